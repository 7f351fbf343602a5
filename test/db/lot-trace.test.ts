import ExcelJS from 'exceljs';
import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * lotTrace (issue 21): where every piece of a lot went, built through the API and counted by hand.
 *
 * Lot L = AL-2031 of paracetamol (expires 2031-06-30):
 *   GRSSA000010 (Guerrero warehouse) receives L on purchase order (Laboratorios Alfa), invoice FAC-7781:
 *               200 accepted, 10 rejected DAMAGED; finds 2 more (adjustment FOUND, +2).
 *   S1: GRSSA000001 (Tixtla) orders 60, its coordinator approves, the warehouse ships 60 of L;
 *               Tixtla accepts 55 and rejects 5 DAMAGED.
 *   Tixtla dispenses folio "=2+3" 2 pieces, RX-100 3 pieces, RX-102 4 pieces (then reversed: 0),
 *               consumes 10, adjusts −4 (DAMAGE), counts 35 (had 36: count correction −1).
 *   S2: central redistributes 30 from the warehouse to GRSSA000002 (Iguala): shipped, not received.
 *   OCSSA000001 (Etla, Oaxaca) receives 12 of L as a donation, document DON-1.
 *
 *   place         received found sentOn consumed dispensed writtenOff rejected onHand inTransit incoming
 *   GRSSA000001        55     0      0       10         5          5        5     35         0        0
 *   GRSSA000002         0     0      0        0         0          0        0      0         0       30
 *   GRSSA000010       200     2     90        0         0          0       10    112        30        0
 *   OCSSA000001        12     0      0        0         0          0        0     12         0        0
 *   in − out = on hand: 55 − 10 − 5 − 5 = 35; 200 + 2 − 90 = 112; 12 = 12; 0 = 0.
 *   totals (central): received 267, found 2, sentOn 90, consumed 10, dispensed 5, writtenOff 5, rejected 15,
 *                     onHand 159, inTransit 30; Guerrero's coordinator: 255, 2, 90, 10, 5, 5, 15, 147, 30.
 *
 * Lot H = =HYPERLINK("http://x.example") of paracetamol, expired 2024-06-30, at GRSSA000003 (the mobile unit):
 *   8 received on 2024-01-10 (supplier document =HYPERLINK(...)), 2 consumed on 2024-02-01, 6 written off as expired:
 *   received 8, consumed 2, writtenOff 6, onHand 0.
 */

const PARA = CLAVES.paracetamol;
const L = 'AL-2031';
const H = '=HYPERLINK("http://x.example")';
const HOSTILE_DOC = '=HYPERLINK("http://x.example","factura")';
const TODAY = businessDay();
const W = 'GRSSA000010';
const U1 = 'GRSSA000001';
const U2 = 'GRSSA000002';
const U3 = 'GRSSA000003';
const OC1 = 'OCSSA000001';

let tdb: TestDatabase;
let api: TestApi;
let central: string;
let s1: string;
let s2: string;
let purchase: string;
let supply: string;

const FIGURES = 'clues name stateCode received found sentOn consumed dispensed writtenOff rejected onHand inTransit incoming';
const TRACE = `query($c: String!, $l: String!) { lotTrace(clave: $c, lotNumber: $l) {
  clave lotNumber expiresOn asOf supplyItem { clave description }
  places { ${FIGURES}
           sources { kind document orderNumber receiptSource supplier fromClues fromName status pieces accepted rejected rejectionReason }
           prescriptions { folio issuedOn pieces } }
  totals { places received found sentOn consumed dispensed writtenOff rejected onHand inTransit }
  timeline { movementId occurredAt clues kind quantity reason document orderNumber counterpartClues reversesMovementId reversesKind } } }`;

const trace = (token: string, lotNumber = L, clave = PARA) => api.gql(TRACE, { c: clave, l: lotNumber }, token);
const figures = (p: any) => [p.clues, p.received, p.found, p.sentOn, p.consumed, p.dispensed, p.writtenOff, p.rejected, p.onHand, p.inTransit, p.incoming];

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  central = await api.token(Role.CENTRAL);
  const warehouse = await api.token(Role.WAREHOUSE, { clues: W });
  const tixtla = await api.token(Role.PHARMACY, { clues: U1 });
  const guerrero = await api.token(Role.STATE_COORDINATOR, { state: '12' });
  const ok = api.mutate;

  // the supplier's delivery at the warehouse, on a purchase order
  purchase = (await ok(central, 'orderCreate', 'OrderCreateInput', { idempotencyKey: 'compra', kind: 'PURCHASE', requestingClues: W, supplier: 'Laboratorios Alfa, S.A. de C.V.', lines: [{ clave: PARA, quantity: 300 }] }, 'order { number } userErrors { code }')).order.number;
  await ok(central, 'orderSubmit', 'OrderNumberInput', { number: purchase });
  await ok(central, 'orderApprove', 'OrderApproveInput', { number: purchase });
  await ok(warehouse, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'factura', clues: W, orderNumber: purchase, source: 'PURCHASE', supplierDocument: 'FAC-7781',
    lines: [{ clave: PARA, lotNumber: L, expiresOn: '2031-06-30', acceptedQuantity: 200, rejectedQuantity: 10, rejectionReason: 'DAMAGED' }],
  });
  await ok(warehouse, 'stockAdjust', 'StockAdjustInput', { idempotencyKey: 'encontradas', clues: W, clave: PARA, lotNumber: L, quantity: 2, reason: 'FOUND' });

  // S1: Tixtla's replenishment, approved by its coordinator, shipped and received with 5 rejected
  supply = (await ok(tixtla, 'orderCreate', 'OrderCreateInput', { idempotencyKey: 'pedido', kind: 'REPLENISHMENT', requestingClues: U1, lines: [{ clave: PARA, quantity: 60 }] }, 'order { number } userErrors { code }')).order.number;
  await ok(tixtla, 'orderSubmit', 'OrderNumberInput', { number: supply });
  await ok(guerrero, 'orderApprove', 'OrderApproveInput', { number: supply });
  s1 = (await ok(warehouse, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: 's1', orderNumber: supply, lines: [{ clave: PARA, quantity: 60, lotNumber: L }] }, 'shipment { number } userErrors { code }')).shipment.number;
  await ok(tixtla, 'shipmentReceive', 'ShipmentReceiveInput', {
    idempotencyKey: 'r1', shipmentNumber: s1, lines: [{ clave: PARA, lotNumber: L, acceptedQuantity: 55, rejectedQuantity: 5, rejectionReason: 'DAMAGED' }],
  }, 'shipment { number } userErrors { code }');

  // Tixtla: three prescriptions (the last reversed), consumption, a write-off and a count
  for (const [folio, pieces] of [['=2+3', 2], ['RX-100', 3], ['RX-102', 4]] as const) {
    await ok(tixtla, 'prescriptionDispense', 'PrescriptionDispenseInput', {
      idempotencyKey: `receta-${folio}`, clues: U1, folio, issuedOn: TODAY, lines: [{ clave: PARA, prescribed: pieces, dispensed: pieces, lotNumber: L }],
    }, 'prescription { folio } userErrors { code }');
  }
  const moves = await api.gql(`{ stockMovements(clues: "${U1}", clave: "${PARA}", first: 100) { edges { node { id kind document } } } }`, {}, tixtla);
  const rx102 = moves.data.stockMovements.edges.map((e: any) => e.node).find((m: any) => m.kind === 'DISPENSE' && m.document === 'receta RX-102');
  await ok(tixtla, 'stockMovementReverse', 'StockMovementReverseInput', { idempotencyKey: 'revierte', movementId: rx102.id, reason: 'se capturó en la receta equivocada' }, 'movements { id } userErrors { code }');
  await ok(tixtla, 'stockConsume', 'StockConsumeInput', { idempotencyKey: 'consumo', clues: U1, lines: [{ clave: PARA, quantity: 10, lotNumber: L }] }, 'movements { id } userErrors { code }');
  await ok(tixtla, 'stockAdjust', 'StockAdjustInput', { idempotencyKey: 'dañadas', clues: U1, clave: PARA, lotNumber: L, quantity: -4, reason: 'DAMAGE' });
  await ok(tixtla, 'stockCount', 'StockCountInput', { idempotencyKey: 'conteo', clues: U1, document: 'INV-2025-01', lines: [{ clave: PARA, lotNumber: L, quantity: 35 }] }, 'movements { id } userErrors { code }');

  // S2: 30 on the road to Iguala
  const redistribution = (await ok(central, 'redistributionOrderCreate', 'RedistributionOrderInput', { idempotencyKey: 'r', fromClues: W, toClues: U2, clave: PARA, pieces: 30 }, 'order { number } userErrors { code }')).order.number;
  s2 = (await ok(warehouse, 'shipmentDispatch', 'ShipmentDispatchInput', { idempotencyKey: 's2', orderNumber: redistribution, lines: [{ clave: PARA, quantity: 30, lotNumber: L }] }, 'shipment { number } userErrors { code }')).shipment.number;

  // Oaxaca: a donation of the same lot
  await ok(await api.token(Role.PHARMACY, { clues: OC1 }), 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'donativo', clues: OC1, source: 'DONATION', supplierDocument: 'DON-1', lines: [{ clave: PARA, lotNumber: L, expiresOn: '2031-06-30', acceptedQuantity: 12 }],
  });

  // H at the mobile unit: received and used before it expired, then written off
  const mobile = await api.token(Role.PHARMACY, { clues: U3 });
  await ok(mobile, 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'h', clues: U3, source: 'PURCHASE', supplierDocument: HOSTILE_DOC, receivedAt: '2024-01-10T10:00:00-06:00',
    lines: [{ clave: PARA, lotNumber: H, expiresOn: '2024-06-30', acceptedQuantity: 8 }],
  });
  await ok(mobile, 'stockConsume', 'StockConsumeInput', { idempotencyKey: 'h-consumo', clues: U3, occurredAt: '2024-02-01T10:00:00-06:00', lines: [{ clave: PARA, quantity: 2, lotNumber: H }] }, 'movements { id } userErrors { code }');
  await ok(mobile, 'expiredWriteOff', 'ExpiredWriteOffInput', { idempotencyKey: 'h-baja', clues: U3 }, 'movements { id } userErrors { code }');
}, 90_000);
afterAll(() => stopNetworkApi(api, tdb));

describe('central supply sees every place of the lot', () => {
  let r: any;
  beforeAll(async () => {
    r = await trace(central);
    expect(r.errors).toBeUndefined();
  });

  test('each place\'s figures, as computed by hand, and in − out = on hand at every one', () => {
    const t = r.data.lotTrace;
    expect(t).toMatchObject({ clave: PARA, lotNumber: L, expiresOn: '2031-06-30', supplyItem: { clave: PARA, description: 'Paracetamol. Tableta 500 mg' } });
    expect(t.places.map(figures)).toEqual([
      [U1, 55, 0, 0, 10, 5, 5, 5, 35, 0, 0],
      [U2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30],
      [W, 200, 2, 90, 0, 0, 0, 10, 112, 30, 0],
      [OC1, 12, 0, 0, 0, 0, 0, 0, 12, 0, 0],
    ]);
    for (const p of [...t.places, t.totals]) {
      expect(p.received + p.found - p.sentOn - p.consumed - p.dispensed - p.writtenOff).toBe(p.onHand);
    }
    expect(t.totals).toEqual({ places: 4, received: 267, found: 2, sentOn: 90, consumed: 10, dispensed: 5, writtenOff: 5, rejected: 15, onHand: 159, inTransit: 30 });
    // on hand is the ledger's balance
    expect(t.places.map((p: any) => [p.clues, p.onHand])).toEqual([[U1, 35], [U2, 0], [W, 112], [OC1, 12]]);
  });

  test('where it came from: the supplier\'s invoice, the shipments (received with its rejection, or on the road), the donation', () => {
    const by = Object.fromEntries(r.data.lotTrace.places.map((p: any) => [p.clues, p]));
    expect(by[W].sources).toEqual([
      { kind: 'RECEIPT', document: 'FAC-7781', orderNumber: purchase, receiptSource: 'PURCHASE', supplier: 'Laboratorios Alfa, S.A. de C.V.', fromClues: null, fromName: null, status: 'RECEIVED', pieces: 210, accepted: 200, rejected: 10, rejectionReason: 'DAMAGED' },
    ]);
    expect(by[U1].sources).toEqual([
      { kind: 'SHIPMENT', document: s1, orderNumber: supply, receiptSource: null, supplier: null, fromClues: W, fromName: 'Almacén Estatal Guerrero', status: 'RECEIVED', pieces: 60, accepted: 55, rejected: 5, rejectionReason: 'DAMAGED' },
    ]);
    expect(by[U2].sources).toMatchObject([{ kind: 'SHIPMENT', document: s2, fromClues: W, status: 'IN_TRANSIT', pieces: 30, accepted: null, rejected: null }]);
    expect(by[OC1].sources).toMatchObject([{ kind: 'RECEIPT', document: 'DON-1', receiptSource: 'DONATION', supplier: null, pieces: 12, accepted: 12, rejected: 0 }]);
  });

  test('the folios it was dispensed on, net of the reversed one', () => {
    const by = Object.fromEntries(r.data.lotTrace.places.map((p: any) => [p.clues, p]));
    expect(by[U1].prescriptions).toEqual([
      { folio: '=2+3', issuedOn: TODAY, pieces: 2 },
      { folio: 'RX-100', issuedOn: TODAY, pieces: 3 },
    ]);
    expect(by[W].prescriptions).toEqual([]);
  });

  test('the timeline: every movement in order, with its document', () => {
    const events = r.data.lotTrace.timeline.map((e: any) => [e.clues, e.kind, e.quantity, e.document, e.orderNumber, e.counterpartClues, e.reversesKind]);
    expect(events).toEqual([
      [W, 'RECEIPT', 200, 'FAC-7781', purchase, null, null],
      [W, 'ADJUSTMENT', 2, null, null, null, null],
      [W, 'DISPATCH', -60, s1, supply, U1, null],
      [U1, 'TRANSFER_IN', 55, s1, supply, W, null],
      [U1, 'DISPENSE', -2, '=2+3', null, null, null],
      [U1, 'DISPENSE', -3, 'RX-100', null, null, null],
      [U1, 'DISPENSE', -4, 'RX-102', null, null, null],
      [U1, 'REVERSAL', 4, 'RX-102', null, null, 'DISPENSE'],
      [U1, 'CONSUMPTION', -10, null, null, null, null],
      [U1, 'ADJUSTMENT', -4, null, null, null, null],
      [U1, 'COUNT_CORRECTION', -1, 'INV-2025-01', null, null, null],
      [W, 'DISPATCH', -30, s2, expect.any(String), U2, null],
      [OC1, 'RECEIPT', 12, 'DON-1', null, null, null],
    ]);
    const t = r.data.lotTrace.timeline;
    expect(t[7].reversesMovementId).toBe(t[6].movementId);
    expect(t.map((e: any) => e.reason)).toEqual(['PURCHASE', 'FOUND', null, null, null, null, null, null, null, 'DAMAGE', null, null, 'DONATION']);
    const times = t.map((e: any) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test('a lot number as it is typed or scanned: full-width and padded names the same lot', async () => {
    const again = await trace(central, ' ＡＬ－２０３１ ');
    expect(again.data.lotTrace.lotNumber).toBe(L);
    expect(again.data.lotTrace.totals.onHand).toBe(159);
  });
});

describe('scope', () => {
  test('Guerrero\'s coordinator: its state\'s places, totals over them, the folios of its units', async () => {
    const r = await trace(await api.token(Role.STATE_COORDINATOR, { state: '12' }));
    const t = r.data.lotTrace;
    expect(t.places.map((p: any) => p.clues)).toEqual([U1, U2, W]);
    expect(t.totals).toEqual({ places: 3, received: 255, found: 2, sentOn: 90, consumed: 10, dispensed: 5, writtenOff: 5, rejected: 15, onHand: 147, inTransit: 30 });
    expect(t.places[0].prescriptions.map((p: any) => p.folio)).toEqual(['=2+3', 'RX-100']);
    expect(t.timeline.some((e: any) => e.clues === OC1)).toBe(false);
  });

  test('Oaxaca\'s coordinator: no place of Guerrero, no folio of theirs', async () => {
    const r = await trace(await api.token(Role.STATE_COORDINATOR, { state: '20' }));
    const t = r.data.lotTrace;
    expect(t.places.map(figures)).toEqual([[OC1, 12, 0, 0, 0, 0, 0, 0, 12, 0, 0]]);
    expect(t.totals).toEqual({ places: 1, received: 12, found: 0, sentOn: 0, consumed: 0, dispensed: 0, writtenOff: 0, rejected: 0, onHand: 12, inTransit: 0 });
    expect(t.timeline.map((e: any) => [e.clues, e.kind, e.quantity])).toEqual([[OC1, 'RECEIPT', 12]]);
    const text = JSON.stringify(r.data);
    for (const hidden of ['RX-100', '=2+3', 'GRSSA', 'FAC-7781']) expect(text).not.toContain(hidden);
  });

  test('a unit sees itself only: Tixtla its figures and folios, Iguala what is on its way', async () => {
    const tixtla = (await trace(await api.token(Role.PHARMACY, { clues: U1 }))).data.lotTrace;
    expect(tixtla.places.map(figures)).toEqual([[U1, 55, 0, 0, 10, 5, 5, 5, 35, 0, 0]]);
    expect(tixtla.places[0].sources[0]).toMatchObject({ document: s1, fromClues: W });
    expect(tixtla.places[0].prescriptions.map((p: any) => p.folio)).toEqual(['=2+3', 'RX-100']);
    expect(new Set(tixtla.timeline.map((e: any) => e.clues))).toEqual(new Set([U1]));
    expect(tixtla.totals.onHand).toBe(35);

    const iguala = (await trace(await api.token(Role.PHARMACY, { clues: U2 }))).data.lotTrace;
    expect(iguala.places.map(figures)).toEqual([[U2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30]]);
    expect(iguala.timeline).toEqual([]);
    expect(iguala.totals).toMatchObject({ places: 1, onHand: 0, inTransit: 0 });

    const warehouse = (await trace(await api.token(Role.WAREHOUSE, { clues: W }))).data.lotTrace;
    expect(warehouse.places.map(figures)).toEqual([[W, 200, 2, 90, 0, 0, 0, 10, 112, 30, 0]]);

    const elsewhere = (await trace(await api.token(Role.PHARMACY, { clues: 'OCSSA000002' }))).data.lotTrace;
    expect(elsewhere).toMatchObject({ places: [], timeline: [], totals: { places: 0, onHand: 0 } });
  });

  test('without a token: UNAUTHENTICATED', async () => {
    const r = await api.gql(TRACE, { c: PARA, l: L }, null);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('a lot that expired: received, used and written off', () => {
  test('the hostile lot number is just a lot: 8 received, 2 consumed, 6 written off as expired', async () => {
    const t = (await trace(central, H)).data.lotTrace;
    expect(t.places.map(figures)).toEqual([[U3, 8, 0, 0, 2, 0, 6, 0, 0, 0, 0]]);
    expect(t.timeline.map((e: any) => [e.kind, e.quantity, e.document, e.reason])).toEqual([
      ['RECEIPT', 8, HOSTILE_DOC, 'PURCHASE'],
      ['CONSUMPTION', -2, null, null],
      ['EXPIRY_WRITE_OFF', -6, null, 'EXPIRED'],
    ]);
  });
});

describe('requests that name no lot', () => {
  const codeOf = async (clave: string, lotNumber: string) => {
    const r = await api.gql(TRACE, { c: clave, l: lotNumber }, central);
    expect(r.data?.lotTrace ?? null).toBeNull();
    return [r.errors?.[0]?.extensions?.code, r.errors?.[0]?.message];
  };

  test('unknown clave, unknown lot, a lot of another clave, a clave that is not one', async () => {
    expect(await codeOf('010.000.9999.00', L)).toEqual(['UNKNOWN_CLAVE', 'No existe la clave 010.000.9999.00 en el catálogo.']);
    expect(await codeOf(PARA, 'NO-EXISTE')).toEqual(['UNKNOWN_LOT', `El lote NO-EXISTE de la clave ${PARA} no ha entrado nunca a la red.`]);
    expect(await codeOf(CLAVES.gasa, L)).toEqual(['LOT_OF_OTHER_CLAVE', `El lote ${L} no es de la clave ${CLAVES.gasa}: es de ${PARA}. Revise la clave de la alerta.`]);
    expect((await codeOf('paracetamol', L))[0]).toBe('INVALID_CLAVE');
    expect((await codeOf(PARA, 'AL\u200b2031'))[0]).toBe('INVALID_TEXT');
  });
});

describe('a fixed number of statements', () => {
  test('a lot at four places and one at one place cost the same statements', async () => {
    const wide = await api.countSql(() => trace(central));
    const narrow = await api.countSql(() => trace(central, H));
    expect(wide).toBe(narrow);
    // the clave (the request's loader), the lot, the trace
    expect(wide).toBe(3);
  });
});

describe('lotTraceExport', () => {
  const EXPORT = `query($c: String!, $l: String!) { lotTraceExport(clave: $c, lotNumber: $l) { filename mimeType rows contentBase64 } }`;

  async function workbook(lotNumber: string) {
    const r = await api.gql(EXPORT, { c: PARA, l: lotNumber }, central);
    expect(r.errors).toBeUndefined();
    const f = r.data.lotTraceExport;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(f.contentBase64, 'base64') as any);
    const sheet = (name: string) => {
      const rows: unknown[][] = [];
      book.getWorksheet(name)!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      return rows;
    };
    const formulas: string[] = [];
    book.eachSheet((s) => s.eachRow((row) => row.eachCell((c) => { if (c.type === ExcelJS.ValueType.Formula || c.formula) formulas.push(c.address); })));
    return { f, places: sheet('Lugares'), movements: sheet('Movimientos'), formulas };
  }

  test('a sheet of places with their total and a sheet of movements, in Spanish; the folio "=2+3" stays text', async () => {
    const { f, places, movements, formulas } = await workbook(L);
    expect(f).toMatchObject({ filename: `rastreo-lote-${PARA}-${L}.xlsx`, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', rows: 4 + 13 });
    expect(formulas).toEqual([]);
    expect(String(places[0][0])).toMatch(/^Rastreo del lote AL-2031 · clave 010\.000\.0104\.00 Paracetamol\. Tableta 500 mg · caducidad 2031-06-30 · al \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(places[1]).toEqual(['CLUES', 'Establecimiento', 'Entidad', 'Procedencia', 'Recibidas', 'Encontradas', 'Enviadas', 'Consumidas', 'Dispensadas', 'Bajas', 'Rechazadas al recibir', 'Existencia', 'En tránsito (enviadas)', 'Por llegar', 'Recetas (folio: piezas)']);
    const tixtla = places.find((row) => row[0] === U1)!;
    expect(tixtla.slice(0, 3)).toEqual([U1, 'Centro de Salud Tixtla', '12']);
    expect(String(tixtla[3])).toMatch(new RegExp(`^Remisión ${s1} de ${W} Almacén Estatal Guerrero \\(orden ${supply}\\): 55 aceptadas, 5 rechazadas \\(dañadas\\), el \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}$`));
    expect(tixtla.slice(4)).toEqual([55, 0, 0, 10, 5, 5, 5, 35, 0, 0, "'=2+3: 2; RX-100: 3"]);
    expect(places.find((row) => row[0] === 'Total')!.slice(4, 13)).toEqual([267, 2, 90, 10, 5, 5, 15, 159, 30]);

    expect(movements[1]).toEqual(['Fecha y hora', 'CLUES', 'Establecimiento', 'Movimiento', 'Piezas', 'Documento', 'Orden', 'Otra CLUES', 'Motivo']);
    const dispensed = movements.filter((row) => row[3] === 'Dispensación a receta');
    expect(dispensed.map((row) => row.slice(1, 2).concat(row.slice(4, 6)))).toEqual([[U1, -2, "'=2+3"], [U1, -3, 'RX-100'], [U1, -4, 'RX-102']]);
    expect(movements.find((row) => row[3] === 'Reversión de dispensación a receta')!.slice(4, 6)).toEqual([4, 'RX-102']);
  });

  test('the hostile lot: its supplier document stays text, the file name is safe', async () => {
    const { f, movements, formulas } = await workbook(H);
    expect(formulas).toEqual([]);
    expect(f.filename).toBe(`rastreo-lote-${PARA}-_HYPERLINK_http_x.example_.xlsx`);
    expect(movements[2].slice(1, 6)).toEqual([U3, 'Unidad Médica Móvil Ñuu Savi', 'Entrada (recepción)', 8, `'${HOSTILE_DOC}`]);
    expect(movements[2][0]).toBe('2024-01-10 10:00');
  });
});
