import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Correct under load (issue 21): 20 dispatches from the Guerrero warehouse and 20 dispensings at
 * GRSSA000001 race a hold of the lot they take from. Half name the lot, half leave it to FEFO. The hold is
 * set while most of them are still waiting for the lot's balances. Whatever the interleaving:
 *
 *   - no movement that uses the lot (DISPATCH, DISPENSE, CONSUMPTION) comes after the hold's ledger mark
 *     (the lot's last movement when the hold took its balances): zero held pieces move once it commits;
 *   - every request either went through before the hold, or was refused with a stable code
 *     (LOT_ON_HOLD when it named the lot; INSUFFICIENT_STOCK or NOTHING_TO_DISPATCH when FEFO found nothing usable), writing nothing;
 *   - the balances equal what the requests that went through took.
 */

let tdb: TestDatabase;
let api: TestApi;
const GASA = CLAVES.gasa;
const LOT = 'RC-1';

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

test('40 dispatches and dispensings racing a hold move zero held pieces after it commits', async () => {
  const central = await api.token(Role.CENTRAL);
  const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  const pharmacy = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  await api.mutate(warehouse, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'in-w', clues: 'GRSSA000010', lines: [{ clave: GASA, lotNumber: LOT, acceptedQuantity: 400 }] });
  await api.mutate(pharmacy, 'stockReceive', 'StockReceiveInput', { idempotencyKey: 'in-u', clues: 'GRSSA000001', lines: [{ clave: GASA, lotNumber: LOT, acceptedQuantity: 200 }] });
  const units = ['GRSSA000001', 'GRSSA000002', 'GRSSA000003'];
  const orders: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await api.mutate(central, 'redistributionOrderCreate', 'RedistributionOrderInput', { idempotencyKey: `o-${i}`, fromClues: 'GRSSA000010', toClues: units[i % 3], clave: GASA, pieces: 5 }, 'order { number } userErrors { code }');
    orders.push(r.order.number);
  }
  const before = await tdb.db.query(`SELECT count(*)::int AS n FROM stock_movement`);

  const dispatch = (i: number) =>
    api.gql(
      `mutation($i: ShipmentDispatchInput!) { shipmentDispatch(input: $i) { shipment { number } userErrors { code } } }`,
      { i: { idempotencyKey: `d-${i}`, orderNumber: orders[i], ...(i % 2 ? { lines: [{ clave: GASA, lotNumber: LOT, quantity: 5 }] } : {}) } },
      warehouse,
    ).then((r) => ({ kind: 'dispatch', ok: !!r.data?.shipmentDispatch?.shipment, codes: r.data?.shipmentDispatch?.userErrors?.map((e: any) => e.code) ?? [], errors: r.errors }));
  const dispense = (i: number) =>
    api.gql(
      `mutation($i: PrescriptionDispenseInput!) { prescriptionDispense(input: $i) { prescription { folio } userErrors { code } } }`,
      { i: { idempotencyKey: `rx-${i}`, clues: 'GRSSA000001', folio: `R-${i}`, issuedOn: businessDay(), lines: [{ clave: GASA, prescribed: 3, dispensed: 3, ...(i % 2 ? { lotNumber: LOT } : {}) }] } },
      pharmacy,
    ).then((r) => ({ kind: 'dispense', ok: !!r.data?.prescriptionDispense?.prescription, codes: r.data?.prescriptionDispense?.userErrors?.map((e: any) => e.code) ?? [], errors: r.errors }));

  const ops = Array.from({ length: 40 }, (_, i) => (i % 2 ? dispatch(i >> 1) : dispense(i >> 1)));
  // the hold goes in once the first has gone through: the rest are racing it
  await Promise.race(ops);
  const hold = await api.gql(
    `mutation($i: LotHoldSetInput!) { lotHoldSet(input: $i) { hold { ledgerMark } userErrors { code } } }`,
    { i: { idempotencyKey: 'h', clave: GASA, lotNumber: LOT, reason: 'Alerta sanitaria: contaminación microbiana', reference: 'COFEPRIS-AS-2026-060' } },
    central,
  );
  expect(hold.data.lotHoldSet.userErrors).toEqual([]);
  const outcomes = await Promise.all(ops);

  // every request went through or was refused with a stable code; none failed otherwise
  for (const o of outcomes) {
    expect(o.errors).toBeUndefined();
    if (!o.ok) expect(['LOT_ON_HOLD', 'INSUFFICIENT_STOCK', 'NOTHING_TO_DISPATCH']).toEqual(expect.arrayContaining(o.codes));
  }
  const through = outcomes.filter((o) => o.ok);
  expect(through.length).toBeGreaterThanOrEqual(1);

  // zero uses of the lot after the hold's mark
  const mark = hold.data.lotHoldSet.hold.ledgerMark;
  const [{ after, uses }] = await tdb.db.query(
    `SELECT count(*) FILTER (WHERE m.id > $2::bigint)::int AS after, count(*)::int AS uses
       FROM stock_movement m JOIN lot l ON l.id = m.lot_id
      WHERE l.lot_number = $1 AND m.kind IN ('DISPATCH', 'DISPENSE', 'CONSUMPTION')`,
    [LOT, mark],
  );
  expect(after).toBe(0);
  // one movement per request that went through (each took its pieces from the one lot), and the balances say the same
  expect(uses).toBe(through.length);
  const sent = through.filter((o) => o.kind === 'dispatch').length * 5;
  const given = through.filter((o) => o.kind === 'dispense').length * 3;
  const balances = await tdb.db.query(
    `SELECT e.clues, b.quantity FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id JOIN lot l ON l.id = b.lot_id
      WHERE l.lot_number = $1 AND e.clues IN ('GRSSA000010', 'GRSSA000001') ORDER BY e.clues`,
    [LOT],
  );
  expect(balances).toEqual([
    { clues: 'GRSSA000001', quantity: 200 - given },
    { clues: 'GRSSA000010', quantity: 400 - sent },
  ]);
  const [{ n }] = await tdb.db.query(`SELECT count(*)::int AS n FROM stock_movement`);
  expect(n - before[0].n).toBe(through.length);
  // and the ledger agrees with the balances everywhere
  const check = await api.gql(`{ ledgerCheck { mismatches { clues } } }`, {}, central);
  expect(check.data.ledgerCheck).toEqual({ mismatches: [] });
  // and from now on, naming the lot is refused
  const late = await dispense(101);
  expect(late).toMatchObject({ ok: false, codes: ['LOT_ON_HOLD'] });
}, 60_000);
