import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Lot recall (issue 21): holding a lot stops it everywhere the hold reaches, at once; release restores it.
 *
 * Paracetamol at the Guerrero warehouse GRSSA000010: lot RX-1 (expires 2030-01-31) 100 pieces, RX-2
 * (2031-12-31) 50. Before the alert:
 *   - 30 of RX-1 sent to GRSSA000001 and received there;
 *   - 20 of RX-1 sent to GRSSA000002, still on the road.
 * So when COFEPRIS's alert COFEPRIS-AS-2026-041 holds RX-1 across the network:
 *   warehouse   on hand 50 RX-1 + 50 RX-2 = 100: usable 50 (RX-2), held 50
 *   GRSSA000001 on hand 30 RX-1: usable 0, held 30 (stocked out)
 *   GRSSA000002 20 RX-1 in transit, flagged for it to reject as RECALLED
 * and the holders list, most first: GRSSA000010 50, GRSSA000001 30, GRSSA000002 20 on the road.
 */

let tdb: TestDatabase;
let api: TestApi;
let central: string;
let warehouse: string;
let unit: string;
const PARA = CLAVES.paracetamol;
const GASA = CLAVES.gasa;
const ALERT = 'COFEPRIS-AS-2026-041';

const HOLD = `mutation($i: LotHoldSetInput!) { lotHoldSet(input: $i) { hold { clave lotNumber stateCode reason reference releasedAt holders { clues onHand inTransit } } userErrors { code field message } } }`;
const RELEASE = `mutation($i: LotHoldReleaseInput!) { lotHoldRelease(input: $i) { hold { lotNumber releasedAt releaseReason } userErrors { code field message } } }`;
const LEVEL = `query($c: String!) { stockLevels(clues: $c, first: 10) { edges { node { clave onHand usable held expired status lots { lotNumber quantity held } } } } }`;

async function counts(): Promise<string> {
  const [r] = await tdb.db.query(`SELECT (SELECT count(*) FROM lot_hold) AS holds, (SELECT count(*) FROM lot_hold WHERE released_at IS NOT NULL) AS released,
                                         (SELECT count(*) FROM stock_movement) AS movements, (SELECT count(*) FROM idempotency_key) AS keys`);
  return JSON.stringify(r);
}
const level = async (clues: string, token = central) => (await api.gql(LEVEL, { c: clues }, token)).data.stockLevels.edges.map((e: any) => e.node).find((n: any) => n.clave === PARA);

async function orderTo(toClues: string, pieces: number, key: string): Promise<string> {
  const r = await api.mutate(central, 'redistributionOrderCreate', 'RedistributionOrderInput', { idempotencyKey: key, fromClues: 'GRSSA000010', toClues, clave: PARA, pieces }, 'order { number } userErrors { code }');
  return r.order.number;
}
async function dispatch(order: string, key: string, lines?: unknown[]) {
  return api.gql(
    `mutation($i: ShipmentDispatchInput!) { shipmentDispatch(input: $i) { shipment { number lines { lotNumber quantity } } userErrors { code field message } } }`,
    { i: { idempotencyKey: key, orderNumber: order, ...(lines ? { lines } : {}) } },
    warehouse,
  );
}

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  central = await api.token(Role.CENTRAL);
  warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  unit = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  await api.mutate(warehouse, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'in-rx',
    clues: 'GRSSA000010',
    lines: [
      { clave: PARA, lotNumber: 'RX-1', expiresOn: '2030-01-31', acceptedQuantity: 100 },
      { clave: PARA, lotNumber: 'RX-2', expiresOn: '2031-12-31', acceptedQuantity: 50 },
      { clave: GASA, lotNumber: 'G-7', acceptedQuantity: 10 },
    ],
  });
  const o1 = await orderTo('GRSSA000001', 30, 'o1');
  const s1 = (await dispatch(o1, 'd1')).data.shipmentDispatch.shipment;
  expect(s1.lines).toEqual([{ lotNumber: 'RX-1', quantity: 30 }]);
  await api.mutate(unit, 'shipmentReceive', 'ShipmentReceiveInput', { idempotencyKey: 'r1', shipmentNumber: s1.number, acceptAllAsShipped: true, lines: [] }, 'shipment { status } userErrors { code }');
  const o2 = await orderTo('GRSSA000002', 20, 'o2');
  expect((await dispatch(o2, 'd2')).data.shipmentDispatch.shipment.lines).toEqual([{ lotNumber: 'RX-1', quantity: 20 }]);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

describe('holding a lot', () => {
  test('bad holds are refused with their codes, and write nothing', async () => {
    const before = await counts();
    const base = { idempotencyKey: 'h-bad', clave: PARA, lotNumber: 'RX-1', reason: 'Alerta sanitaria: lote falsificado', reference: ALERT };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, lotNumber: 'RX-9' }, 'UNKNOWN_LOT'],
      [{ ...base, lotNumber: 'G-7' }, 'LOT_OF_OTHER_CLAVE'],
      [{ ...base, clave: '010.000.9999.00' }, 'UNKNOWN_CLAVE'],
    ];
    for (const [i, code] of cases) {
      const r = await api.gql(HOLD, { i }, central);
      expect(r.data.lotHoldSet.userErrors.map((e: any) => e.code)).toEqual([code]);
    }
    const other = await api.gql(HOLD, { i: { ...base, lotNumber: 'G-7' } }, central);
    expect(other.data.lotHoldSet.userErrors[0].message).toBe(`El lote G-7 no es de la clave ${PARA}: es de ${GASA}. Revise la clave de la alerta.`);
    const noReason = await api.gql(HOLD, { i: { ...base, reason: '   ' } }, central);
    expect(noReason.data.lotHoldSet.userErrors.map((e: any) => e.field.join('.'))).toEqual(['input.reason']);
    const noReference = await api.gql(HOLD, { i: { ...base, reference: '' } }, central);
    expect(noReference.data.lotHoldSet.userErrors.map((e: any) => e.field.join('.'))).toEqual(['input.reference']);
    for (const token of [unit, warehouse]) expect((await api.gql(HOLD, { i: base }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherState = await api.gql(HOLD, { i: { ...base, stateCode: '12' } }, await api.token(Role.STATE_COORDINATOR, { state: '20' }));
    expect(otherState.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const notHeld = await api.gql(RELEASE, { i: { idempotencyKey: 'rel-bad', clave: PARA, lotNumber: 'RX-1', reason: 'x' } }, central);
    expect(notHeld.data.lotHoldRelease.userErrors).toEqual([
      { code: 'NOT_HELD', field: ['input', 'lotNumber'], message: `El lote RX-1 de la clave ${PARA} no está retenido en toda la red: no hay retención que liberar.` },
    ]);
    expect(await counts()).toBe(before);
  });

  test('central holds RX-1 across the network: who must act, with their pieces', async () => {
    const r = await api.gql(HOLD, { i: { idempotencyKey: 'h-1', clave: PARA, lotNumber: 'rx-1 ', reason: 'Alerta sanitaria: lote falsificado', reference: ALERT } }, central);
    // lot numbers are typed as they come: «rx-1 » is not RX-1
    expect(r.data.lotHoldSet.userErrors.map((e: any) => e.code)).toEqual(['UNKNOWN_LOT']);
    const ok = await api.gql(HOLD, { i: { idempotencyKey: 'h-1b', clave: PARA, lotNumber: 'RX-1', reason: 'Alerta sanitaria: lote falsificado', reference: ALERT } }, central);
    expect(ok.data.lotHoldSet).toEqual({
      hold: {
        clave: PARA, lotNumber: 'RX-1', stateCode: null, reason: 'Alerta sanitaria: lote falsificado', reference: ALERT, releasedAt: null,
        holders: [
          { clues: 'GRSSA000010', onHand: 50, inTransit: 0 },
          { clues: 'GRSSA000001', onHand: 30, inTransit: 0 },
          { clues: 'GRSSA000002', onHand: 0, inTransit: 20 },
        ],
      },
      userErrors: [],
    });
    const twice = await api.gql(HOLD, { i: { idempotencyKey: 'h-2', clave: PARA, lotNumber: 'RX-1', reason: 'otra vez', reference: ALERT } }, central);
    expect(twice.data.lotHoldSet.userErrors).toEqual([{ code: 'ALREADY_HELD', field: ['input', 'lotNumber'], message: `El lote RX-1 ya está retenido en toda la red por la alerta ${ALERT}.` }]);
    // a state's coordinator cannot hold it again in its state either: the network's hold reaches it
    const coord = await api.gql(HOLD, { i: { idempotencyKey: 'h-3', clave: PARA, lotNumber: 'RX-1', reason: 'x', reference: 'y' } }, await api.token(Role.STATE_COORDINATOR, { state: '12' }));
    expect(coord.data.lotHoldSet.userErrors.map((e: any) => e.code)).toEqual(['ALREADY_HELD']);
    // the unit sees only itself among the holders; the same key again answers the same hold
    const mine = await api.gql(`{ lotHolds { lotNumber reference holders { clues onHand } } }`, {}, unit);
    expect(mine.data.lotHolds).toEqual([{ lotNumber: 'RX-1', reference: ALERT, holders: [{ clues: 'GRSSA000001', onHand: 30 }] }]);
    const again = await api.gql(HOLD, { i: { idempotencyKey: 'h-1b', clave: PARA, lotNumber: 'RX-1', reason: 'Alerta sanitaria: lote falsificado', reference: ALERT } }, central);
    expect(again.data.lotHoldSet.hold.reference).toBe(ALERT);
    expect(await tdb.db.query('SELECT count(*)::int AS n FROM lot_hold')).toEqual([{ n: 1 }]);
  });

  test('held pieces are on hand but not usable: the stock page shows them apart, and the unit sees its recalled lot first', async () => {
    expect(await level('GRSSA000010')).toMatchObject({ onHand: 100, usable: 50, held: 50, expired: 0, lots: [{ lotNumber: 'RX-1', quantity: 50, held: true }, { lotNumber: 'RX-2', quantity: 50, held: false }] });
    expect(await level('GRSSA000001', unit)).toMatchObject({ onHand: 30, usable: 0, held: 30, status: 'STOCKED_OUT' });
    const first = await api.gql(`{ heldLots(clues: "GRSSA000001") { clave lotNumber pieces reference reason } }`, {}, unit);
    expect(first.data.heldLots).toEqual([{ clave: PARA, lotNumber: 'RX-1', pieces: 30, reference: ALERT, reason: 'Alerta sanitaria: lote falsificado' }]);
    const elsewhere = await api.gql(`{ heldLots(clues: "GRSSA000001") { lotNumber } }`, {}, await api.token(Role.PHARMACY, { clues: 'OCSSA000001' }));
    expect(elsewhere.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('FEFO skips the held lot; naming it in a dispatch, a consumption or a dispensing is refused, nothing written', async () => {
    const o3 = await orderTo('GRSSA000003', 10, 'o3');
    const before = await counts();
    const named = await dispatch(o3, 'd3-named', [{ clave: PARA, lotNumber: 'RX-1', quantity: 10 }]);
    expect(named.data.shipmentDispatch.userErrors).toEqual([
      { code: 'LOT_ON_HOLD', field: ['input', 'lines', '0', 'lotNumber'], message: `El lote RX-1 está retenido por la alerta sanitaria ${ALERT}: no puede surtirse, dispensarse ni consumirse; sale solo por devolución al proveedor o destrucción.` },
    ]);
    const consumed = await api.gql(
      `mutation($i: StockConsumeInput!) { stockConsume(input: $i) { userErrors { code field } } }`,
      { i: { idempotencyKey: 'c-1', clues: 'GRSSA000001', lines: [{ clave: PARA, lotNumber: 'RX-1', quantity: 2 }] } },
      unit,
    );
    expect(consumed.data.stockConsume.userErrors).toEqual([{ code: 'LOT_ON_HOLD', field: ['input', 'lines', '0', 'lotNumber'] }]);
    const dispensed = await api.gql(
      `mutation($i: PrescriptionDispenseInput!) { prescriptionDispense(input: $i) { userErrors { code field } } }`,
      { i: { idempotencyKey: 'rx-1', clues: 'GRSSA000001', folio: 'F-001', issuedOn: new Date().toISOString().slice(0, 10), lines: [{ clave: PARA, prescribed: 2, dispensed: 2, lotNumber: 'RX-1' }] } },
      unit,
    );
    expect(dispensed.data.prescriptionDispense.userErrors.map((e: any) => e.code)).toEqual(['LOT_ON_HOLD']);
    // without a lot named, the unit has nothing usable
    const fefo = await api.gql(
      `mutation($i: StockConsumeInput!) { stockConsume(input: $i) { userErrors { code } } }`,
      { i: { idempotencyKey: 'c-2', clues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 2 }] } },
      unit,
    );
    expect(fefo.data.stockConsume.userErrors.map((e: any) => e.code)).toEqual(['INSUFFICIENT_STOCK']);
    // nor can central redistribute it
    const moved = await api.gql(
      `mutation($i: RedistributionOrderInput!) { redistributionOrderCreate(input: $i) { userErrors { code field } } }`,
      { i: { idempotencyKey: 'red-held', fromClues: 'GRSSA000010', toClues: 'GRSSA000003', clave: PARA, pieces: 5, lotNumber: 'RX-1' } },
      central,
    );
    expect(moved.data.redistributionOrderCreate.userErrors).toEqual([{ code: 'LOT_ON_HOLD', field: ['input', 'lotNumber'] }]);
    expect(await counts()).toBe(before);
    // the warehouse's FEFO takes RX-2, which expires later, not the held RX-1
    const sent = await dispatch(o3, 'd3');
    expect(sent.data.shipmentDispatch).toMatchObject({ shipment: { lines: [{ lotNumber: 'RX-2', quantity: 10 }] }, userErrors: [] });
  });

  test('the ledger itself refuses a use of held pieces, whatever path asks', async () => {
    const { writeMovements } = await import('../../src/modules/stock/ledger');
    const [{ est, lot, item }] = await tdb.db.query(
      `SELECT e.id AS est, l.id AS lot, l.supply_item_id AS item FROM establishment e, lot l WHERE e.clues = 'GRSSA000010' AND l.lot_number = 'RX-1'`,
    );
    await tdb.db.query(`INSERT INTO idempotency_key (key, operation, subject, request_hash) VALUES ('ledger-held', 'test', 'test', 'x')`);
    await expect(
      tdb.db.transaction((em) => writeMovements(em, { actor: 'test', idempotencyKey: 'ledger-held' }, [{ field: ['x'], establishmentId: est, supplyItemId: item, lotId: lot, quantity: -1, kind: 'DISPATCH' as any, occurredAt: null }])),
    ).rejects.toMatchObject({ errors: [{ code: 'LOT_ON_HOLD' }] });
  });

  test('on the road: the shipment says the lot is held, and the unit rejects it as RECALLED', async () => {
    const hospital = await api.token(Role.PHARMACY, { clues: 'GRSSA000002' });
    const list = await api.gql(`{ shipments(filter: { toClues: "GRSSA000002", statuses: [IN_TRANSIT] }) { edges { node { number recalls { clave lotNumber quantity reference } } } } }`, {}, hospital);
    const [node] = list.data.shipments.edges.map((e: any) => e.node);
    expect(node.recalls).toEqual([{ clave: PARA, lotNumber: 'RX-1', quantity: 20, reference: ALERT }]);
    await api.mutate(hospital, 'shipmentReceive', 'ShipmentReceiveInput', {
      idempotencyKey: 'r2',
      shipmentNumber: node.number,
      lines: [{ clave: PARA, lotNumber: 'RX-1', acceptedQuantity: 0, rejectedQuantity: 20, rejectionReason: 'RECALLED' }],
    }, 'shipment { status } userErrors { code }');
    // RECALLED is only for a held lot: GRSSA000003's RX-2 is not
    const mobile = await api.token(Role.PHARMACY, { clues: 'GRSSA000003' });
    const [other] = (await api.gql(`{ shipments(filter: { toClues: "GRSSA000003", statuses: [IN_TRANSIT] }) { edges { node { number recalls { lotNumber } } } } }`, {}, mobile)).data.shipments.edges.map((e: any) => e.node);
    expect(other.recalls).toEqual([]);
    const wrong = await api.gql(
      `mutation($i: ShipmentReceiveInput!) { shipmentReceive(input: $i) { userErrors { code field message } } }`,
      { i: { idempotencyKey: 'r3', shipmentNumber: other.number, lines: [{ clave: PARA, lotNumber: 'RX-2', acceptedQuantity: 0, rejectedQuantity: 10, rejectionReason: 'RECALLED' }] } },
      mobile,
    );
    expect(wrong.data.shipmentReceive.userErrors).toEqual([
      { code: 'NOT_HELD', field: ['input', 'lines', '0', 'rejectionReason'], message: `El lote RX-2 de ${PARA} no está retenido por alerta sanitaria: elija el motivo de rechazo que corresponda.` },
    ]);
    // the 20 rejected go back with the carrier to the warehouse's shelf, held there: nothing of the lot is lost track of
    const holders = await api.gql(`{ lotHolds(lotNumber: "RX-1") { holders { clues onHand inTransit } } }`, {}, central);
    expect(holders.data.lotHolds[0].holders).toEqual([
      { clues: 'GRSSA000010', onHand: 70, inTransit: 0 },
      { clues: 'GRSSA000001', onHand: 30, inTransit: 0 },
    ]);
    const [back] = await tdb.db.query(
      `SELECT m.kind, m.reason, m.quantity, m.document FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE e.clues = 'GRSSA000010' ORDER BY m.id DESC LIMIT 1`,
    );
    expect(back).toEqual({ kind: 'TRANSFER_IN', reason: 'RECALLED', quantity: 20, document: node.number });
    expect(await level('GRSSA000010')).toMatchObject({ onHand: 110, usable: 40, held: 70 });
  });

  test('the unit returns its held pieces to the supplier with the reason; a recall reason on a lot not held is refused', async () => {
    const ADJUST = `mutation($i: StockAdjustInput!) { stockAdjust(input: $i) { userErrors { code field message } } }`;
    const wrong = await api.gql(ADJUST, { i: { idempotencyKey: 'a-0', clues: 'GRSSA000010', clave: PARA, lotNumber: 'RX-2', quantity: -1, reason: 'RECALL_DESTRUCTION' } }, warehouse);
    expect(wrong.data.stockAdjust.userErrors.map((e: any) => e.code)).toEqual(['NOT_HELD']);
    // held pieces do not leave by a reclassification, an "other" adjustment or a reversal of their arrival
    const before = await counts();
    for (const reason of ['RECLASSIFICATION', 'OTHER']) {
      const r = await api.gql(ADJUST, { i: { idempotencyKey: `a-${reason}`, clues: 'GRSSA000001', clave: PARA, lotNumber: 'RX-1', quantity: -5, reason, note: 'x' } }, unit);
      expect(r.data.stockAdjust.userErrors.map((e: any) => e.code)).toEqual(['LOT_ON_HOLD']);
    }
    const arrival = (await api.gql(`{ stockMovements(clues: "GRSSA000001", first: 10) { edges { node { id kind } } } }`, {}, unit)).data.stockMovements.edges
      .map((e: any) => e.node).find((m: any) => m.kind === 'TRANSFER_IN');
    const reversed = await api.gql(
      `mutation($i: StockMovementReverseInput!) { stockMovementReverse(input: $i) { userErrors { code } } }`,
      { i: { idempotencyKey: 'rev-1', movementId: arrival.id, reason: 'se registró por error' } },
      unit,
    );
    expect(reversed.data.stockMovementReverse.userErrors.map((e: any) => e.code)).toEqual(['LOT_ON_HOLD']);
    expect(await counts()).toBe(before);
    const back = await api.gql(ADJUST, { i: { idempotencyKey: 'a-1', clues: 'GRSSA000001', clave: PARA, lotNumber: 'RX-1', quantity: -30, reason: 'RECALL_RETURN', note: 'Devuelto al proveedor, acta 17' } }, unit);
    expect(back.data.stockAdjust.userErrors).toEqual([]);
    const [moved] = await tdb.db.query(`SELECT m.kind, m.reason, m.quantity FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE e.clues = 'GRSSA000001' ORDER BY m.id DESC LIMIT 1`);
    expect(moved).toEqual({ kind: 'ADJUSTMENT', reason: 'RECALL_RETURN', quantity: -30 });
    const holders = await api.gql(`{ lotHolds(lotNumber: "RX-1") { holders { clues onHand } } }`, {}, central);
    expect(holders.data.lotHolds[0].holders).toEqual([{ clues: 'GRSSA000010', onHand: 70 }]);
  });

  test('release: usable again where the hold reached, the hold kept with its release', async () => {
    const r = await api.gql(RELEASE, { i: { idempotencyKey: 'rel-1', clave: PARA, lotNumber: 'RX-1', reason: 'COFEPRIS levantó la alerta: el lote es genuino' } }, central);
    expect(r.data.lotHoldRelease.userErrors).toEqual([]);
    expect(r.data.lotHoldRelease.hold).toMatchObject({ lotNumber: 'RX-1', releaseReason: 'COFEPRIS levantó la alerta: el lote es genuino' });
    // the warehouse: 70 RX-1 usable again (50 + the 20 sent back), 40 RX-2 left after the 10 sent
    expect(await level('GRSSA000010')).toMatchObject({ onHand: 110, usable: 110, held: 0 });
    const open = await api.gql(`{ lotHolds { lotNumber } all: lotHolds(all: true) { lotNumber releasedAt } }`, {}, central);
    expect(open.data.lotHolds).toEqual([]);
    expect(open.data.all).toHaveLength(1);
    // the lot's trace carries its holds, released too
    const trace = await api.gql(`{ lotTrace(clave: "${PARA}", lotNumber: "RX-1") { holds { reference releaseReason } } }`, {}, central);
    expect(trace.data.lotTrace.holds).toEqual([{ reference: ALERT, releaseReason: 'COFEPRIS levantó la alerta: el lote es genuino' }]);
    const twice = await api.gql(RELEASE, { i: { idempotencyKey: 'rel-2', clave: PARA, lotNumber: 'RX-1', reason: 'otra vez' } }, central);
    expect(twice.data.lotHoldRelease.userErrors.map((e: any) => e.code)).toEqual(['NOT_HELD']);
  });

  test('a coordinator holds a lot in its state only: elsewhere it stays usable', async () => {
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    // 10 pieces of RX-2 at Oaxaca's unit, through a receipt there
    await api.mutate(await api.token(Role.PHARMACY, { clues: 'OCSSA000001' }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'in-oax',
      clues: 'OCSSA000001',
      lines: [{ clave: PARA, lotNumber: 'RX-2', expiresOn: '2031-12-31', acceptedQuantity: 10 }],
    });
    const r = await api.gql(HOLD, { i: { idempotencyKey: 'h-gro', clave: PARA, lotNumber: 'RX-2', reason: 'Retención preventiva en Guerrero', reference: 'GRO-OF-77' } }, coordinator);
    expect(r.data.lotHoldSet.hold).toMatchObject({ stateCode: '12', holders: [{ clues: 'GRSSA000010', onHand: 40, inTransit: 0 }, { clues: 'GRSSA000003', onHand: 0, inTransit: 10 }] });
    expect(await level('GRSSA000010')).toMatchObject({ onHand: 110, usable: 70, held: 40 });
    expect(await level('OCSSA000001')).toMatchObject({ onHand: 10, usable: 10, held: 0 });
    // Oaxaca's coordinator does not see Guerrero's hold
    const oax = await api.gql(`{ lotHolds { reference } }`, {}, await api.token(Role.STATE_COORDINATOR, { state: '20' }));
    expect(oax.data.lotHolds).toEqual([]);
    // central may hold the same lot across the network on top of it
    const national = await api.gql(HOLD, { i: { idempotencyKey: 'h-nal', clave: PARA, lotNumber: 'RX-2', reason: 'Alerta nacional', reference: 'COFEPRIS-AS-2026-050' } }, central);
    expect(national.data.lotHoldSet.userErrors).toEqual([]);
    expect(await level('OCSSA000001')).toMatchObject({ usable: 0, held: 10 });
  });
});
