import fs from 'node:fs';
import { GraphQLObjectType } from 'graphql';
import { renderSchema, SCHEMA_FILE } from '../../src/cli/print-schema';
import { declaredRootFields, getSchema } from '../../src/graphql/schema';
import { ESTABLISHMENT_COLUMNS, ESTABLISHMENT_FIELD_READS, establishmentColumnsFor } from '../../src/modules/registry/registry.queries';

test('schema.graphql is current: run `npm run schema` after changing resolvers or types', async () => {
  expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(await renderSchema());
});

test('every root field declares who may call it (undeclared ones are denied)', async () => {
  const schema = await getSchema();
  const root = [schema.getQueryType()!, schema.getMutationType()!].flatMap((t) => Object.keys(t.getFields()));
  const declared = declaredRootFields();
  expect(root.filter((f) => !declared.has(f))).toEqual([]);
});

test('the contract names of SPEC §5 are present', async () => {
  const schema = await getSchema();
  const fields = (type: string) => Object.keys((schema.getType(type) as GraphQLObjectType).getFields());
  expect(fields('Query')).toEqual(
    expect.arrayContaining(['node', 'me', 'states', 'establishment', 'establishments', 'warehouses', 'supplyItem', 'supplyItems']),
  );
  expect(fields('Mutation')).toEqual(expect.arrayContaining(['establishmentUpsert', 'warehouseUpsert', 'supplyItemUpsert', 'saiStatusSet']));
  expect(fields('Establishment')).toEqual(
    expect.arrayContaining(['id', 'clues', 'name', 'state', 'municipality', 'jurisdiction', 'kind', 'levelOfCare', 'typology', 'operating',
      'inNetwork', 'inNetworkSince', 'supplyingWarehouse', 'saiStatus', 'warehouse']),
  );
  expect(fields('Warehouse')).toEqual(expect.arrayContaining(['id', 'clues', 'establishment', 'tier', 'served']));
  expect(fields('SupplyItem')).toEqual(
    expect.arrayContaining(['id', 'clave', 'description', 'kind', 'presentation', 'piecesPerPackage', 'highCost', 'coldChain', 'authorizedLevels']),
  );
  expect(fields('State')).toEqual(expect.arrayContaining(['code', 'name', 'cluesPrefix', 'federalizedBy']));
  expect(fields('EstablishmentConnection')).toEqual(['edges', 'nodes', 'pageInfo', 'totalCount']);
  expect(fields('UserError')).toEqual(['code', 'field', 'message']);
});

test('the establishments list knows the columns of every Establishment field (a new field must say what it reads)', async () => {
  const schema = await getSchema();
  const fields = Object.keys((schema.getType('Establishment') as GraphQLObjectType).getFields());
  expect(Object.keys(ESTABLISHMENT_FIELD_READS).filter((f) => f !== '__typename').sort()).toEqual([...fields].sort());
  // a field it does not know reads every column
  expect(establishmentColumnsFor(['name', 'somethingNew'])).toEqual({ sql: ESTABLISHMENT_COLUMNS, complete: true });
  const some = establishmentColumnsFor(['id', 'name', 'state']);
  expect(some.complete).toBe(false);
  expect(some.sql).toBe('e.id AS "pk", e.clues AS "clues", e.name AS "name", e.state_code AS "stateCode"');
  expect(establishmentColumnsFor(Object.keys(ESTABLISHMENT_FIELD_READS)).complete).toBe(true);
});
