import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * GTINs linked to claves (supplyItemGtinLink, SupplyItem.gtins, supplyItems(filter: { gtin })): one GTIN
 * belongs to one clave, kept in its 14-digit form; every refusal has its code and writes nothing.
 */
let tdb: TestDatabase;
let api: TestApi;
let central: string;
let warehouse: string;

const LINK = `mutation($i: SupplyItemGtinLinkInput!) {
  supplyItemGtinLink(input: $i) { supplyItem { clave gtins } userErrors { code field message } } }`;
const BY_GTIN = `query($g: String!) { supplyItems(filter: { gtin: $g }, first: 5) { totalCount edges { node { clave gtins } } } }`;

const PARACETAMOL = '010.000.0104.00';
const GASA = '060.066.0028.00';
// EAN-13 7501234567893: 7·1+5·3+0·1+1·3+2·1+3·3+4·1+5·3+6·1+7·3+8·1+9·3 = 117 → check digit 3
const EAN13 = '7501234567893';
const GTIN14 = '07501234567893';
// GTIN-14 of a case (indicator 1): 1·3+7·1+5·3+0·1+1·3+2·1+3·3+4·1+5·3+6·1+7·3+8·1+9·3 = 120 → check digit 0
const CASE14 = '17501234567890';
// GTIN-8 9638-5074: 9·3+6·1+3·3+8·1+5·3+0·1+7·3 = 86 → check digit 4
const EAN8 = '96385074';

beforeAll(async () => {
  tdb = await createTestDatabase();
  api = await startTestApi(tdb.db);
  central = await api.token(Role.CENTRAL);
  warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA019419' });
  for (const i of [
    { clave: PARACETAMOL, description: 'Paracetamol. Tableta 500 mg', kind: 'MEDICINE', piecesPerPackage: 10, authorizedLevels: ['FIRST'] },
    { clave: GASA, description: 'Gasa seca de algodón, 10 x 10 cm', kind: 'HEALING_MATERIAL', piecesPerPackage: 200, authorizedLevels: ['FIRST'] },
  ]) {
    await api.mutate(central, 'supplyItemUpsert', 'SupplyItemUpsertInput', i);
  }
});
afterAll(async () => {
  await api.stop();
  await tdb.drop();
});

const rows = () => tdb.db.query(`SELECT g.gtin, s.clave, g.linked_by FROM supply_item_gtin g JOIN supply_item s ON s.id = g.supply_item_id ORDER BY g.gtin`);

async function link(token: string, clave: string, gtin: string) {
  const r = await api.gql(LINK, { i: { clave, gtin } }, token);
  return r.data?.supplyItemGtinLink ?? r;
}

test('a warehouse links an EAN-13: stored as 14 digits, found by either form', async () => {
  const r = await link(warehouse, PARACETAMOL, EAN13);
  expect(r).toEqual({ supplyItem: { clave: PARACETAMOL, gtins: [GTIN14] }, userErrors: [] });
  expect(await rows()).toEqual([{ gtin: GTIN14, clave: PARACETAMOL, linked_by: 'test-warehouse' }]);
  for (const g of [EAN13, GTIN14, ` ${EAN13} `]) {
    const found = await api.gql(BY_GTIN, { g }, warehouse);
    expect(found.data.supplyItems).toEqual({ totalCount: 1, edges: [{ node: { clave: PARACETAMOL, gtins: [GTIN14] } }] });
  }
  // a valid GTIN linked to nothing finds nothing
  const none = await api.gql(BY_GTIN, { g: CASE14 }, warehouse);
  expect(none.data.supplyItems).toEqual({ totalCount: 0, edges: [] });
});

test('the same pair again is a no-op success; its 14-digit form is the same GTIN', async () => {
  for (const g of [EAN13, GTIN14]) expect(await link(warehouse, PARACETAMOL, g)).toEqual({ supplyItem: { clave: PARACETAMOL, gtins: [GTIN14] }, userErrors: [] });
  expect(await rows()).toHaveLength(1);
});

test('a clave may have several GTINs (a case, another supplier’s GTIN-8), listed in order', async () => {
  expect((await link(central, PARACETAMOL, CASE14)).supplyItem.gtins).toEqual([GTIN14, CASE14]);
  expect((await link(central, GASA, EAN8)).supplyItem).toEqual({ clave: GASA, gtins: [`000000${EAN8}`] });
  const list = await api.gql(`{ supplyItems(first: 10) { edges { node { clave gtins } } } }`, {}, warehouse);
  expect(list.data.supplyItems.edges.map((e: any) => e.node)).toEqual([
    { clave: PARACETAMOL, gtins: [GTIN14, CASE14] },
    { clave: GASA, gtins: [`000000${EAN8}`] },
  ]);
});

test('a page of claves reads its GTINs in one statement, not one per clave', async () => {
  const q = (fields: string) => api.countSql(() => api.gql(`{ supplyItems(first: 10) { edges { node { clave ${fields} } } } }`, {}, warehouse));
  expect((await q('gtins')) - (await q(''))).toBe(1);
});

test('refusals: bad check digit, not a GTIN, unknown clave, GTIN of another clave — each with its code, nothing written', async () => {
  const before = await rows();
  const bad = await link(warehouse, GASA, '7501234567890');
  expect(bad.supplyItem).toBeNull();
  expect(bad.userErrors).toEqual([{ code: 'INVALID_GTIN', field: ['input', 'gtin'], message: expect.stringMatching(/dígito verificador/) }]);
  const short = await link(warehouse, GASA, '12345');
  expect(short.userErrors.map((e: any) => e.code)).toEqual(['INVALID_GTIN']);
  expect(short.userErrors[0].message).toMatch(/8, 12, 13 o 14 dígitos/);
  const letters = await link(warehouse, GASA, '75012345678AB');
  expect(letters.userErrors.map((e: any) => e.code)).toEqual(['INVALID_GTIN']);
  const unknown = await link(warehouse, '010.000.9999.00', '00012345600012');
  expect(unknown.userErrors.map((e: any) => e.code)).toEqual(['UNKNOWN_CLAVE']);
  const elsewhere = await link(warehouse, GASA, EAN13);
  expect(elsewhere.supplyItem).toBeNull();
  expect(elsewhere.userErrors).toEqual([{ code: 'GTIN_LINKED_ELSEWHERE', field: ['input', 'gtin'], message: expect.stringContaining(`ligado a la clave ${PARACETAMOL}`) }]);
  // the 14-digit form of the same GTIN is refused the same way
  expect((await link(warehouse, GASA, GTIN14)).userErrors.map((e: any) => e.code)).toEqual(['GTIN_LINKED_ELSEWHERE']);
  expect(await rows()).toEqual(before);
  // a lookup with a bad check digit is refused, not answered empty
  const lookup = await api.gql(BY_GTIN, { g: '7501234567890' }, warehouse);
  expect(lookup.errors?.[0].extensions?.code).toBe('INVALID_GTIN');
});

test('a pharmacy, a state coordinator and an auditor may not link; nothing is written', async () => {
  const before = await rows();
  for (const token of [
    await api.token(Role.PHARMACY, { clues: 'GRSSA015854' }),
    await api.token(Role.STATE_COORDINATOR, { state: '12' }),
    await api.token(Role.AUDITOR),
  ]) {
    const r = await api.gql(LINK, { i: { clave: GASA, gtin: '00012345600012' } }, token);
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  }
  expect(await rows()).toEqual(before);
});
