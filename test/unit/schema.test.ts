import fs from 'node:fs';
import { GraphQLInputObjectType, GraphQLObjectType, isNonNullType } from 'graphql';
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

test('every Query and Mutation field is nullable, so that one failing root field leaves its siblings’ data', async () => {
  const schema = await getSchema();
  const nonNull = [schema.getQueryType()!, schema.getMutationType()!].flatMap((t) => Object.values(t.getFields()).filter((f) => isNonNullType(f.type)).map((f) => f.name));
  expect(nonNull).toEqual([]);
});

test('client tooling (issue 17): PageInfo as Relay has it, identity on stock levels and plan rows, enums, piece counts as Int', async () => {
  const schema = await getSchema();
  const type = (name: string) => schema.getType(name) as GraphQLObjectType;
  const typeOf = (t: string, f: string) => String(type(t).getFields()[f].type);
  expect(Object.keys(type('PageInfo').getFields()).sort()).toEqual(['endCursor', 'hasNextPage', 'hasPreviousPage', 'startCursor']);
  expect([typeOf('PageInfo', 'hasPreviousPage'), typeOf('PageInfo', 'startCursor')]).toEqual(['Boolean!', 'String']);
  for (const t of ['StockLevel', 'ProcurementPlanRow', 'Prescription', 'CpmSubmission']) expect([t, type(t).getInterfaces().map(String)]).toEqual([t, ['Node']]);
  expect(typeOf('StockLevel', 'establishment')).toBe('Establishment!');
  expect([typeOf('StockLevel', 'cpmSource'), typeOf('RejectedPieces', 'reason'), typeOf('CpmCalculation', 'reason'), typeOf('CpmSubmissionEvent', 'action')]).toEqual([
    'CpmSource',
    'RejectionReason!',
    'CpmNoValueReason',
    'CpmSubmissionAction!',
  ]);
  for (const f of ['ratifiedCpm', 'calculatedCpm', 'cpm', 'usable', 'onOpenPurchaseOrders', 'nationalStock', 'fromNationalStock', 'need', 'maximum', 'minimum']) {
    expect([f, typeOf('ProcurementPlanRow', f)]).toEqual([f, 'Int!']);
  }
  for (const f of ['accepted', 'committed', 'available']) expect([f, typeOf('ContractProgress', f)]).toEqual([f, 'Int!']);
  expect([typeOf('ProcurementContract', 'minPieces'), typeOf('ProcurementContract', 'maxPieces')]).toEqual(['Int!', 'Int!']);
  // Sums over a period and the whole network may pass 2^31 − 1: Float, as SPEC §5 has numerator and denominator.
  expect([typeOf('IndicatorRow', 'numerator'), typeOf('Shortfall', 'notDispatched'), typeOf('RejectedPieces', 'pieces')]).toEqual(['Float!', 'Float!', 'Float!']);
  // Replaced, not removed: each deprecation names its replacement.
  const input = schema.getType('OrderCreateInput') as GraphQLInputObjectType;
  expect([String(input.getFields().contract.type), input.getFields().contractId.deprecationReason]).toEqual(['ID', 'Use contract (the contract’s global id).']);
  expect(type('StockMovement').getFields().reverses.deprecationReason).toMatch(/reversesMovement/);
  expect(type('StockMovement').getFields().reversedBy.deprecationReason).toMatch(/reversedByMovement/);
  for (const [t, f] of [['Order', 'requesting'], ['Order', 'supplying'], ['Shipment', 'from'], ['Shipment', 'to'], ['Receipt', 'establishment'], ['Prescription', 'establishment'], ['CpmSubmission', 'establishment']]) {
    expect([t, f, String(type(t).getFields()[f]?.type).replace('!', '')]).toEqual([t, f, 'Establishment']);
  }
});
