import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getNamedType, GraphQLObjectType, GraphQLSchema, isNonNullType, isObjectType } from 'graphql';
import { SCHEMA_FILE } from '../../src/cli/print-schema';
import { getSchema } from '../../src/graphql/schema';

/**
 * The Relay compiler (the `relay-compiler` package ships its native binary) accepts the schema the way a
 * Relay app uses it: a plain fragment over every connection type, a query over every root connection
 * with `@connection` (which checks edges, cursors and the four PageInfo fields Relay paginates with),
 * a fragment over every connection field of an object, and `node(id:)`. Any compiler error fails.
 */

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1);
const upperFirst = (s: string) => s[0].toUpperCase() + s.slice(1);

/** Every field (of any object type, the root included) whose type is a Relay connection. */
function connectionFields(schema: GraphQLSchema): Array<{ parent: GraphQLObjectType; field: string; connection: string; required: Array<[string, string]> }> {
  const found = [];
  for (const parent of Object.values(schema.getTypeMap())) {
    if (!isObjectType(parent) || parent.name.startsWith('__')) continue;
    for (const field of Object.values(parent.getFields())) {
      const type = getNamedType(field.type);
      if (!isObjectType(type) || !type.name.endsWith('Connection') || !type.getFields().edges || !type.getFields().pageInfo) continue;
      const required = field.args.filter((a) => isNonNullType(a.type)).map((a): [string, string] => [a.name, String(a.type)]);
      found.push({ parent, field: field.name, connection: type.name, required });
    }
  }
  return found;
}

/** The documents, as a Relay app writes them in one module (`Connections`): names start with the module's. */
function documents(schema: GraphQLSchema): string[] {
  const fields = connectionFields(schema);
  const connections = [...new Set(fields.map((f) => f.connection))].sort();
  const docs = connections.map(
    (c) => `fragment Connections_${lowerFirst(c)} on ${c} { totalCount edges { cursor node { id } } ${PAGE_INFO} }`,
  );
  for (const f of fields) {
    const vars = f.required.map(([name, type]) => `$${name}: ${type}`);
    const args = f.required.map(([name]) => `${name}: $${name}`);
    if (f.parent === schema.getQueryType()) {
      // A page with the plain fragment, and the same list paginated by Relay (@connection).
      docs.push(`query Connections${upperFirst(f.field)}Query(${['$first: Int', '$after: String', ...vars].join(', ')}) {
        ${f.field}(${['first: $first', 'after: $after', ...args].join(', ')}) { ...Connections_${lowerFirst(f.connection)} } }`);
      docs.push(`query Connections${upperFirst(f.field)}PaginatedQuery(${['$first: Int', '$after: String', ...vars].join(', ')}) {
        ${f.field}(${['first: $first', 'after: $after', ...args].join(', ')}) @connection(key: "Connections_${f.field}") { edges { node { id } } } }`);
    } else {
      docs.push(`fragment Connections_${lowerFirst(f.parent.name)}${upperFirst(f.field)} on ${f.parent.name} { id ${f.field}(first: 5) { ...Connections_${lowerFirst(f.connection)} } }`);
    }
  }
  docs.push(`query ConnectionsNodeQuery($id: ID!) { node(id: $id) { __typename id ... on StockLevel { clave usable establishment { id clues } } } }`);
  return docs;
}

test('the Relay compiler accepts a fragment over every connection, @connection over every root list, and node(id:)', async () => {
  const schema = await getSchema();
  const fields = connectionFields(schema);
  // The lists of SPEC §5 and the nested one (a warehouse's served establishments) are found.
  expect(fields.map((f) => `${f.parent.name}.${f.field}`)).toEqual(
    expect.arrayContaining(['Query.establishments', 'Query.stockLevels', 'Query.orders', 'Query.procurementPlan', 'Warehouse.served']),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abasto-relay-'));
  try {
    fs.mkdirSync(path.join(dir, 'src'));
    fs.copyFileSync(SCHEMA_FILE, path.join(dir, 'schema.graphql'));
    fs.writeFileSync(path.join(dir, 'relay.config.json'), JSON.stringify({ src: './src', schema: './schema.graphql', language: 'typescript' }));
    fs.writeFileSync(path.join(dir, 'src', 'Connections.ts'), documents(schema).map((d, i) => `export const d${i} = graphql\`\n${d}\n\`;\n`).join('\n'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binary: string | null = require('relay-compiler');
    expect(binary).not.toBeNull();
    const run = spawnSync(binary!, [], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    const output = `${run.stdout}\n${run.stderr}`;
    expect([run.status, output.match(/ERROR.*/g)]).toEqual([0, null]);
    // One artifact per query, the paginated ones with the PageInfo Relay reads.
    const artifacts = fs.readdirSync(path.join(dir, 'src', '__generated__'));
    expect(artifacts).toEqual(expect.arrayContaining(['ConnectionsOrdersPaginatedQuery.graphql.ts', 'ConnectionsNodeQuery.graphql.ts']));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
