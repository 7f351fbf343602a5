import { businessDay } from '../../src/domain/dates';
import { storeCpmBatch } from '../../src/modules/cpm/cpm.queries';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * One definition of what is on its way (issue 16), held equal through every figure that reads it.
 * Paracetamol at Centro de Salud Tixtla (GRSSA000001, a unit: max 3 months), CPM 40 ratified:
 *
 *   10 received directly; an order for 100 approved in full by the state coordinator;
 *   shipment 1 of 60: 50 accepted, 10 rejected (DAMAGED); shipment 2 of 20 still on the road.
 *
 *   usable      = 10 + 50                    = 60
 *   in transit  = 20                          (shipment 2)
 *   pending in  = approved − dispatched       = 100 − 80 = 20   (the 10 rejected are not pending)
 *   need        = ⌈40 × 3⌉ − 60 − 20 − 20     = 20   (the suggested order's quantity and the redistribution's need)
 *
 * Before, the suggested order counted the 10 rejected pieces as pending (30, suggesting 10).
 * Hospital General Iguala (GRSSA000002), CPM 10, holds 200 (170 above its 3 months): redistribution
 * offers Tixtla its whole need, 20; the state warehouse has 20 pending out.
 */
let tdb: TestDatabase;
let api: TestApi;
const PARA = CLAVES.paracetamol;
const YEAR = Number(businessDay().slice(0, 4));

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  const central = await api.token(Role.CENTRAL);
  const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  const tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  const iguala = await api.token(Role.PHARMACY, { clues: 'GRSSA000002' });
  for (const [clues, cpm] of [['GRSSA000001', 40], ['GRSSA000002', 10]] as const) {
    await api.mutate(central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues, year: YEAR });
    await api.mutate(central, 'cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { clues, year: YEAR, lines: [{ clave: PARA, cpm, justification: 'consumo observado' }] });
    await api.mutate(central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues, year: YEAR });
  }
  const receive = (token: string, clues: string, lot: string, n: number) =>
    api.mutate(token, 'stockReceive', 'StockReceiveInput', { idempotencyKey: `in-${clues}-${lot}`, clues, lines: [{ clave: PARA, lotNumber: lot, expiresOn: '2031-06-30', acceptedQuantity: n }] });
  await receive(warehouse, 'GRSSA000010', 'P-W', 300);
  await receive(tixtla, 'GRSSA000001', 'P-T', 10);
  await receive(iguala, 'GRSSA000002', 'P-I', 200);
  const { order } = await api.mutate(tixtla, 'orderCreate', 'OrderCreateInput', { idempotencyKey: 'o-1', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 100 }] }, 'order { number } userErrors { code }');
  await api.mutate(tixtla, 'orderSubmit', 'OrderNumberInput', { number: order.number }, 'order { status } userErrors { code }');
  await api.mutate(coordinator, 'orderApprove', 'OrderApproveInput', { number: order.number }, 'order { status } userErrors { code }');
  const dispatch = async (k: string, n: number) =>
    (await api.mutate(warehouse, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: k, orderNumber: order.number, lines: [{ clave: PARA, quantity: n }] }, 'shipment { number } userErrors { code }')).shipment.number;
  const first = await dispatch('d-1', 60);
  await api.mutate(tixtla, 'shipmentReceive', 'ShipmentReceiveInput', {
    idempotencyKey: 'r-1',
    shipmentNumber: first,
    lines: [{ clave: PARA, lotNumber: 'P-W', acceptedQuantity: 50, rejectedQuantity: 10, rejectionReason: 'DAMAGED' }],
  }, 'shipment { status } userErrors { code }');
  await dispatch('d-2', 20);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

test('one stock position: the stock page, the suggested order, the redistribution and the plan read the same figures', async () => {
  const auditor = await api.token(Role.AUDITOR);
  const r = await api.gql(
    `{ stockLevels(clues: "GRSSA000001", filter: { claves: ["${PARA}"] }) { edges { node {
         onHand usable expired inTransit pendingIn pendingOut cpm cpmSource monthsOfStock minMonths maxMonths status suggestedQuantity } } }
       warehouse: stockLevels(clues: "GRSSA000010", filter: { claves: ["${PARA}"] }) { edges { node { usable pendingIn pendingOut } } }
       adequate: stockLevels(clues: "GRSSA000001", filter: { statuses: [ADEQUATE, UNDERSTOCKED] }) { edges { node { clave usable inTransit pendingIn suggestedQuantity } } }
       procurementPlan(year: ${YEAR}, stateCodes: ["12"], claves: ["${PARA}"], first: 10) { edges { node {
         clave ratifiedCpm calculatedCpm unitsRatified usable need maximum minimum } } }
       suggestedOrder(clues: "GRSSA000001") { clave cpm usable inTransit pending maxMonths quantity }
       redistributionSuggestions(clave: "${PARA}") { from { clues } to { clues } pieces reason
         fromPosition { usable pendingOut excess } toPosition { usable inTransit pendingIn need } } }`,
    {},
    auditor,
  );
  expect(r.errors).toBeUndefined();
  // months of stock 60 / 40 = 1.5, inside the unit's band [1, 3]: ADEQUATE
  expect(r.data.stockLevels.edges.map((e: any) => e.node)).toEqual([
    { onHand: 60, usable: 60, expired: 0, inTransit: 20, pendingIn: 20, pendingOut: 0, cpm: 40, cpmSource: 'RATIFIED',
      monthsOfStock: 1.5, minMonths: 1, maxMonths: 3, status: 'ADEQUATE', suggestedQuantity: 20 },
  ]);
  // 300 received − 80 dispatched; 20 of the 100 approved still to send
  expect(r.data.warehouse.edges.map((e: any) => e.node)).toEqual([{ usable: 220, pendingIn: 0, pendingOut: 20 }]);
  // the page filtered by status reads the same position
  expect(r.data.adequate.edges.map((e: any) => e.node)).toEqual([{ clave: PARA, usable: 60, inTransit: 20, pendingIn: 20, suggestedQuantity: 20 }]);
  // Guerrero: Σ CPM of its units 40 + 10 = 50 (both ratified); usable at its locations 60 + 200 + 220 = 480;
  // need = ⌈50 × (12 + 1)⌉ − 480 = 170; minimum = ⌈0.40 × 170⌉ = 68
  expect(r.data.procurementPlan.edges.map((e: any) => e.node)).toEqual([
    { clave: PARA, ratifiedCpm: 50, calculatedCpm: 0, unitsRatified: 2, usable: 480, need: 170, maximum: 170, minimum: 68 },
  ]);
  expect(r.data.suggestedOrder).toEqual([{ clave: PARA, cpm: 40, usable: 60, inTransit: 20, pending: 20, maxMonths: 3, quantity: 20 }]);
  expect(r.data.redistributionSuggestions).toEqual([
    {
      from: { clues: 'GRSSA000002' },
      to: { clues: 'GRSSA000001' },
      pieces: 20,
      reason: 'OVERSTOCK',
      fromPosition: { usable: 200, pendingOut: 0, excess: 170 },
      toPosition: { usable: 60, inTransit: 20, pendingIn: 20, need: 20 },
    },
  ]);
  // The views are the definition: the same figures straight from them.
  const [row] = await tdb.db.query(
    `SELECT (SELECT pieces::int FROM stock_in_transit t JOIN establishment e ON e.id = t.establishment_id WHERE e.clues = 'GRSSA000001') AS in_transit,
            (SELECT sum(pieces)::int FROM stock_pending p JOIN establishment e ON e.id = p.requesting_id WHERE e.clues = 'GRSSA000001') AS pending_in,
            (SELECT sum(pieces)::int FROM stock_pending p JOIN establishment e ON e.id = p.supplying_id WHERE e.clues = 'GRSSA000010') AS pending_out`,
  );
  expect(row).toEqual({ in_transit: 20, pending_in: 20, pending_out: 20 });
});

test('a CPM calculated above 0 always has its balance row: a clave used up last month stays on the page, stocked out', async () => {
  // 12 gauze received and all 12 used last month at Tixtla: the balance row stays, at 0
  const tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  const month = `${businessDay().slice(0, 7)}-01`;
  const last = new Date(`${month}T18:00:00Z`);
  last.setUTCMonth(last.getUTCMonth() - 1);
  const on = (day: number) => new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), day, 18)).toISOString();
  await api.mutate(tixtla, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'gasa-in', clues: 'GRSSA000001', receivedAt: on(2), lines: [{ clave: CLAVES.gasa, lotNumber: 'G-1', expiresOn: '2031-06-30', acceptedQuantity: 12 }],
  });
  await api.mutate(tixtla, 'stockConsume', 'StockConsumeInput', { idempotencyKey: 'gasa-out', clues: 'GRSSA000001', occurredAt: on(3), lines: [{ clave: CLAVES.gasa, quantity: 12 }] });
  const [{ id }] = await tdb.db.query(`SELECT id FROM establishment WHERE clues = 'GRSSA000001'`);
  await storeCpmBatch(tdb.db, [id], month, 3);
  const [calc] = await tdb.db.query(
    `SELECT c.value FROM cpm_calculation c JOIN supply_item s ON s.id = c.supply_item_id WHERE c.establishment_id = $1 AND s.clave = $2 AND c.month = $3`,
    [id, CLAVES.gasa, month],
  );
  expect(calc.value).toBeGreaterThan(0);
  // the invariant the held set relies on (stock.position.ts): no calculation above 0 without a balance row
  const [orphans] = await tdb.db.query(
    `SELECT count(*)::int AS n FROM cpm_calculation c WHERE c.value > 0
        AND NOT EXISTS (SELECT 1 FROM stock_balance b WHERE b.establishment_id = c.establishment_id AND b.supply_item_id = c.supply_item_id)`,
  );
  expect(orphans.n).toBe(0);
  const r = await api.gql(
    `{ stockLevels(clues: "GRSSA000001") { totalCount edges { node { clave onHand usable cpm cpmSource status } } } }`,
    {},
    tixtla,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.stockLevels.totalCount).toBe(2);
  expect(r.data.stockLevels.edges.map((e: any) => e.node)).toEqual([
    { clave: PARA, onHand: 60, usable: 60, cpm: 40, cpmSource: 'RATIFIED', status: 'ADEQUATE' },
    { clave: CLAVES.gasa, onHand: 0, usable: 0, cpm: calc.value, cpmSource: 'CALCULATED', status: 'STOCKED_OUT' },
  ]);
});
