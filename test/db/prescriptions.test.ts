import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { codes, dayFromToday, mutation, ok, send, written } from '../support/clerk';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Dispensing a prescription: FEFO unless the pharmacist names the lot in hand, and each line says which
 * lots its pieces came from — read back from the ledger (the DISPENSE movements carry the prescription's key).
 */
let tdb: TestDatabase;
let api: TestApi;
let token: string;
const CLUES = 'GRSSA000001';
const { paracetamol: PARA, gasa: GASA } = CLAVES;
const RECEIVE = mutation('stockReceive', 'StockReceiveInput', 'receipt { id }');
const LINES = 'clave prescribed dispensed lots { lotNumber expiresOn quantity }';
const DISPENSE = mutation('prescriptionDispense', 'PrescriptionDispenseInput', `prescription { folio fill lines { ${LINES} } }`);
const SOON = dayFromToday(120);
const LATE = dayFromToday(400);

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  token = await api.token(Role.PHARMACY, { clues: CLUES });
  await ok(api, RECEIVE, {
    idempotencyKey: 'rx-in', clues: CLUES, source: 'DONATION',
    lines: [
      { clave: PARA, lotNumber: 'P-SOON', expiresOn: SOON, acceptedQuantity: 5 },
      { clave: PARA, lotNumber: 'P-LATE', expiresOn: LATE, acceptedQuantity: 50 },
      { clave: GASA, lotNumber: 'G-1', expiresOn: LATE, acceptedQuantity: 20 },
    ],
  }, token);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

const balance = async (lot: string) =>
  (await tdb.db.query(`SELECT b.quantity FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN establishment e ON e.id = b.establishment_id WHERE e.clues = $1 AND l.lot_number = $2`, [CLUES, lot]))[0]?.quantity;

test('FEFO across two lots, and the lots each line came from', async () => {
  // 8 of paracetamol: the 5 of P-SOON (expires first), then 3 of P-LATE; 4 of gasa from its only lot.
  const { prescription } = await ok(api, DISPENSE, {
    idempotencyKey: 'rx-1', clues: CLUES, folio: 'R-1', issuedOn: dayFromToday(0),
    lines: [{ clave: PARA, prescribed: 8, dispensed: 8 }, { clave: GASA, prescribed: 6, dispensed: 4 }],
  }, token);
  expect(prescription.fill).toBe('PARTIAL');
  expect(prescription.lines).toEqual([
    { clave: PARA, prescribed: 8, dispensed: 8, lots: [{ lotNumber: 'P-SOON', expiresOn: SOON, quantity: 5 }, { lotNumber: 'P-LATE', expiresOn: LATE, quantity: 3 }] },
    { clave: GASA, prescribed: 6, dispensed: 4, lots: [{ lotNumber: 'G-1', expiresOn: LATE, quantity: 4 }] },
  ].sort((a, b) => a.clave.localeCompare(b.clave)));
  expect([await balance('P-SOON'), await balance('P-LATE'), await balance('G-1')]).toEqual([0, 47, 16]);
});

test('a named lot is taken instead of FEFO; the prescription query shows the same lots', async () => {
  await ok(api, RECEIVE, { idempotencyKey: 'rx-in-2', clues: CLUES, source: 'DONATION', lines: [{ clave: PARA, lotNumber: 'P-MID', expiresOn: dayFromToday(200), acceptedQuantity: 10 }] }, token);
  // FEFO would take P-MID (expires before P-LATE); the pharmacist has a box of P-LATE in hand.
  await ok(api, DISPENSE, {
    idempotencyKey: 'rx-2', clues: CLUES, folio: 'R-2', issuedOn: dayFromToday(0),
    lines: [{ clave: PARA, prescribed: 2, dispensed: 2, lotNumber: 'P-LATE' }],
  }, token);
  expect([await balance('P-MID'), await balance('P-LATE')]).toEqual([10, 45]);
  const r = await api.gql(`{ prescription(clues: "${CLUES}", folio: "R-2") { lines { ${LINES} } } }`, {}, token);
  expect(r.data.prescription.lines).toEqual([{ clave: PARA, prescribed: 2, dispensed: 2, lots: [{ lotNumber: 'P-LATE', expiresOn: LATE, quantity: 2 }] }]);
});

test('a reversed dispensing takes its pieces off the line’s lots', async () => {
  const node = await api.gql(`{ stockMovements(clues: "${CLUES}", clave: "${PARA}", first: 50) { edges { node { id quantity kind } } } }`, {}, token);
  const id = node.data.stockMovements.edges.map((e: any) => e.node).find((n: any) => n.kind === 'DISPENSE' && n.quantity === -2).id;
  await ok(api, mutation('stockMovementReverse', 'StockMovementReverseInput', 'movements { id }'), { idempotencyKey: 'rx-2-rev', movementId: id, reason: 'Receta capturada dos veces' }, token);
  const r = await api.gql(`{ prescription(clues: "${CLUES}", folio: "R-2") { lines { lots { lotNumber quantity } } } }`, {}, token);
  expect(r.data.prescription.lines[0].lots).toEqual([]);
});

test('a named lot with too few pieces, or not here, is refused in Spanish and writes nothing', async () => {
  const before = await written(tdb.db);
  const p = await send(api, DISPENSE, {
    idempotencyKey: 'rx-3', clues: CLUES, folio: 'R-3', issuedOn: dayFromToday(0),
    lines: [{ clave: PARA, prescribed: 20, dispensed: 20, lotNumber: 'P-MID' }, { clave: GASA, prescribed: 1, dispensed: 1, lotNumber: 'NO-EXISTE' }],
  }, token);
  expect(codes(p)).toEqual([['INSUFFICIENT_STOCK', 'lines.0.dispensed'], ['UNKNOWN_LOT', 'lines.1.lotNumber']]);
  expect(p.userErrors[0].message).toBe('Existencia insuficiente en el lote P-MID: hay 10 piezas y se piden 20.');
  expect(await written(tdb.db)).toEqual(before);
});
