/**
 * The house's layers (STYLE: "nothing below imports what is above it"), checked by `npm test`:
 *
 *   domain/   pure TypeScript, imports nothing of ours
 *   base/     errors, validation, relay, node ids, scalars, auth (the viewer), the request context type
 *   db/       connections, migrations, the ledger's transaction helpers (and the TypeORM entity classes)
 *   modules/  one folder per area, in this order: a module imports only modules before it
 *   graphql/  the composition root: schema, merged loaders, executor, limits; then server, main, cli
 */
const MODULE_ORDER = [['registry'], ['catalog'], ['stock'], ['procurement'], ['orders'], ['distribution'], ['cpm', 'prescriptions', 'indicators', 'recall'], ['viewer']];

const moduleRules = MODULE_ORDER.flatMap((rank, i) => {
  const later = MODULE_ORDER.slice(i + 1).flat();
  return rank.map((name) => ({
    name: `module-order-${name}`,
    comment: `modules/${name} may import only modules before it (${MODULE_ORDER.slice(0, i).flat().join(', ') || 'none'})`,
    severity: 'error',
    from: { path: `^src/modules/${name}/` },
    to: { path: `^src/modules/(${[...later, ...rank.filter((n) => n !== name)].join('|')})/` },
  }));
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles (type-only references between two entity classes are not cycles at run time)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/(?!domain/)' },
    },
    {
      name: 'base-imports-no-module',
      comment: 'base is what every module may use: it imports no module, and nothing of the composition root',
      severity: 'error',
      from: { path: '^src/base/' },
      to: { path: '^src/(modules|graphql|db|cli)/|^src/(server|main)[.]ts$' },
    },
    {
      name: 'db-below-modules',
      comment: 'db knows the entity classes (TypeORM needs them) and nothing else of the modules',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/(modules/(?!.*[.]entity[.]ts$)|graphql/|cli/)|^src/(server|main)[.]ts$' },
    },
    {
      name: 'modules-below-the-root',
      comment: 'modules never import the composition root (schema, loaders, executor, limits), the server or the CLIs',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: '^src/(graphql|cli)/|^src/(server|main)[.]ts$' },
    },
    ...moduleRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
