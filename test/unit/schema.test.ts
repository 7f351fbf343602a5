import fs from 'node:fs';
import { GraphQLObjectType } from 'graphql';
import { renderSchema, SCHEMA_FILE } from '../../src/cli/print-schema';
import { declaredRootFields, getSchema } from '../../src/graphql/schema';

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
