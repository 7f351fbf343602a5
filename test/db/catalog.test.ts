import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

let tdb: TestDatabase;
let api: TestApi;
let central: string;

const UPSERT = `mutation($i: SupplyItemUpsertInput!) {
  supplyItemUpsert(input: $i) {
    supplyItem { clave description kind presentation piecesPerPackage highCost coldChain authorizedLevels authorizedFromYear authorizedToYear }
    userErrors { code field message } } }`;

const ITEMS = [
  { clave: '010.000.0104.00', description: 'Paracetamol. Tableta 500 mg', kind: 'MEDICINE', presentation: 'Envase con 10 tabletas', piecesPerPackage: 10, authorizedLevels: ['THIRD', 'FIRST', 'SECOND'] },
  { clave: '010.000.5432.00', description: 'Trastuzumab. Solución inyectable 440 mg', kind: 'MEDICINE', highCost: true, coldChain: true, authorizedLevels: ['THIRD'], authorizedFromYear: 2024 },
  { clave: '010.000.4158.00', description: 'Insulina glargina. Solución inyectable', kind: 'MEDICINE', coldChain: true, authorizedLevels: ['SECOND', 'THIRD'], authorizedFromYear: 2020, authorizedToYear: 2023 },
  { clave: '060.066.0028.00', description: 'Gasa seca de algodón, 10 x 10 cm', kind: 'HEALING_MATERIAL', piecesPerPackage: 200, authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] },
  { clave: '020.000.3801.00', description: 'Vacuna antiinfluenza', kind: 'VACCINE', coldChain: true, authorizedLevels: ['FIRST'] },
];

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  central = await api.token(Role.CENTRAL);
  for (const i of ITEMS) {
    const r = await api.gql(UPSERT, { i }, central);
    expect(r.data.supplyItemUpsert.userErrors).toEqual([]);
  }
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

async function snapshot(): Promise<string> {
  return JSON.stringify(await tdb.db.query('SELECT * FROM supply_item ORDER BY id'));
}

test('a created clave has its defaults and levels in order', async () => {
  const r = await api.gql(`{ supplyItem(clave: "010.000.0104.00") { clave kind piecesPerPackage highCost coldChain authorizedLevels authorizedFromYear authorizedToYear } }`, {}, central);
  expect(r.data.supplyItem).toEqual({
    clave: '010.000.0104.00',
    kind: 'MEDICINE',
    piecesPerPackage: 10,
    highCost: false,
    coldChain: false,
    authorizedLevels: ['FIRST', 'SECOND', 'THIRD'],
    authorizedFromYear: null,
    authorizedToYear: null,
  });
  const vaccine = await api.gql(`{ supplyItem(clave: "020.000.3801.00") { piecesPerPackage } none: supplyItem(clave: "010.000.9999.00") { clave } }`, {}, central);
  expect(vaccine.data).toEqual({ supplyItem: { piecesPerPackage: 1 }, none: null });
});

test('an update keeps what it leaves out', async () => {
  const r = await api.gql(UPSERT, { i: { clave: '060.066.0028.00', presentation: 'Paquete con 200 piezas' } }, central);
  expect(r.data.supplyItemUpsert.supplyItem).toMatchObject({ description: 'Gasa seca de algodón, 10 x 10 cm', piecesPerPackage: 200, presentation: 'Paquete con 200 piezas' });
});

describe('supplyItems filters', () => {
  const LIST = `query($f: SupplyItemFilter) { supplyItems(filter: $f) { totalCount edges { node { clave } } } }`;
  test.each([
    [{}, ['010.000.0104.00', '010.000.4158.00', '010.000.5432.00', '020.000.3801.00', '060.066.0028.00']],
    [{ kinds: ['MEDICINE'] }, ['010.000.0104.00', '010.000.4158.00', '010.000.5432.00']],
    [{ kinds: ['HEALING_MATERIAL', 'VACCINE'] }, ['020.000.3801.00', '060.066.0028.00']],
    [{ highCost: true }, ['010.000.5432.00']],
    [{ coldChain: true }, ['010.000.4158.00', '010.000.5432.00', '020.000.3801.00']],
    [{ authorizedFor: 'FIRST' }, ['010.000.0104.00', '020.000.3801.00', '060.066.0028.00']],
    [{ authorizedFor: 'SECOND', authorizedInYear: 2025 }, ['010.000.0104.00', '060.066.0028.00']],
    [{ authorizedInYear: 2022 }, ['010.000.0104.00', '010.000.4158.00', '020.000.3801.00', '060.066.0028.00']],
    [{ search: 'ALGODON' }, ['060.066.0028.00']],
    [{ search: '0104' }, ['010.000.0104.00']],
    [{ claves: ['010.000.5432.00', '060.066.0028.00', '010.000.0000.00'] }, ['010.000.5432.00', '060.066.0028.00']],
  ])('%j', async (f, expected) => {
    const r = await api.gql(LIST, { f }, central);
    expect(r.errors).toBeUndefined();
    expect(r.data.supplyItems.edges.map((e: any) => e.node.clave)).toEqual(expected);
    expect(r.data.supplyItems.totalCount).toBe(expected.length);
  });
});

describe('supplyItemUpsert refuses bad input and writes nothing', () => {
  test.each([
    ['malformed clave', { clave: '10.000.104.0', description: 'x', kind: 'MEDICINE' }, [['INVALID_CLAVE', 'clave']]],
    ['new clave without description or kind', { clave: '010.000.7777.00' }, [['REQUIRED', 'description'], ['REQUIRED', 'kind']]],
    ['zero pieces per package', { clave: '010.000.0104.00', piecesPerPackage: 0 }, [['MUST_BE_POSITIVE', 'piecesPerPackage']]],
    ['negative pieces per package', { clave: '010.000.0104.00', piecesPerPackage: -5 }, [['MUST_BE_POSITIVE', 'piecesPerPackage']]],
    ['medicine group as healing material', { clave: '010.000.7777.00', description: 'x', kind: 'HEALING_MATERIAL' }, [['INCONSISTENT', 'kind']]],
    ['authorisation ending before it starts', { clave: '010.000.0104.00', authorizedFromYear: 2025, authorizedToYear: 2024 }, [['INCONSISTENT', 'authorizedToYear']]],
    ['end year before the stored start year', { clave: '010.000.5432.00', authorizedToYear: 2023 }, [['INCONSISTENT', 'authorizedToYear']]],
    ['year out of range', { clave: '010.000.0104.00', authorizedFromYear: 1200 }, [['OUT_OF_RANGE', 'authorizedFromYear']]],
    ['over-long description', { clave: '010.000.0104.00', description: 'd'.repeat(4001) }, [['TOO_LONG', 'description']]],
  ])('%s', async (_name, i, expected) => {
    const before = await snapshot();
    const r = await api.gql(UPSERT, { i }, central);
    expect(r.errors).toBeUndefined();
    expect(r.data.supplyItemUpsert.supplyItem).toBeNull();
    expect(r.data.supplyItemUpsert.userErrors.map((e: any) => [e.code, e.field[1]])).toEqual(expected);
    expect(await snapshot()).toBe(before);
  });

  test('non-integer pieces are refused by the schema (Int), nothing written', async () => {
    const before = await snapshot();
    const r = await api.gql(UPSERT, { i: { clave: '010.000.0104.00', piecesPerPackage: 1.5 } }, central);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await snapshot()).toBe(before);
  });
});
