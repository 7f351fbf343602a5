import { addDays, businessDay, lastDayOfMonth } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { Viewer } from '../../src/base/auth';
import { createContext } from '../../src/graphql/context';
import { DistributionRoundCreateInput } from '../../src/modules/distribution/distribution.types';
import { TestApi } from '../support/api';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Rutas de la Salud (issue 20): kits, kits a month, routes and a month's round with fair shares, by hand.
 *
 * Kit KIT-PN (first level): paracetamol 10 pieces, gasa 4 pieces.
 * Route GRO-01 from the Guerrero state warehouse GRSSA000010, stops in this order:
 *
 *   stop  CLUES          kits  from                                   holds paracetamol
 *   1     GRIMB000101    1     núcleos básicos ("RURAL DE 01 …")      0   (stocked out)
 *   2     GRIMB000102    3     núcleos básicos ("URBANO DE 03 …")     12
 *   3     GRSSA000003    2     its typology's rule (UMM → 2)           0   (stocked out)
 *   4     GRSSA000001    1     fixed for the unit ("medio turno")      3
 *
 * The warehouse holds 50 usable paracetamol, 5 already promised to another order: 45 available; gasa 100.
 *
 * FULL_KIT, paracetamol: needs 10, 30, 20, 10 = 70 > 45, so shared:
 *   tier 1, stocked out (101: 10, 003: 20) = 30 ≤ 45 → in full; 15 left;
 *   tier 2, what the others lack against the standard: 102: 30 − 12 = 18, 001: 10 − 3 = 7; Σ 25 > 15 →
 *     102: 15 × 18 / 25 = 10.8 → 10 (remainder .8), 001: 15 × 7 / 25 = 4.2 → 4 (remainder .2);
 *     14 given, 1 left → the largest remainder, 102 → 11;
 *   allocated 10, 11, 20, 4 = 45; two units short (102, 001).
 * Gasa: needs 4, 12, 8, 4 = 28 ≤ 100: all in full.
 */

let tdb: TestDatabase;
let api: TestApi;
let central: string;
let admin: string;
const TODAY = businessDay();
const nextMonth = (m: string, n = 1) => {
  const [y, mm] = m.split('-').map(Number);
  const d = new Date(Date.UTC(y, mm - 1 + n, 1));
  return d.toISOString().slice(0, 7);
};
const THIS_MONTH = TODAY.slice(0, 7);
const M1 = nextMonth(THIS_MONTH);
const M2 = nextMonth(THIS_MONTH, 2);
const PARA = CLAVES.paracetamol;
const GASA = CLAVES.gasa;
const UNITS = ['GRIMB000101', 'GRIMB000102', 'GRSSA000003', 'GRSSA000001'];

const ROUND = `mutation($i: DistributionRoundCreateInput!) { distributionRoundCreate(input: $i) {
  round { number month mode units kits kitTemplate { code version }
          claves { clave warehouseClues planned available allocated units shortUnits }
          routes { code units kits dispatched received }
          orders { number requestingClues supplyingClues status origin promisedOn lines { clave requested approved } } }
  userErrors { code field message } } }`;

const round = (i: Record<string, unknown>, token = central) => api.gql(ROUND, { i }, token);
const codes = (r: any) => r.data.distributionRoundCreate.userErrors.map((e: any) => e.code);

async function counts(): Promise<string> {
  const [r] = await tdb.db.query(`SELECT (SELECT count(*) FROM distribution_round) AS rounds, (SELECT count(*) FROM supply_order) AS orders,
                                         (SELECT count(*) FROM supply_order_line) AS lines, (SELECT count(*) FROM idempotency_key) AS keys`);
  return JSON.stringify(r);
}

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  central = await api.token(Role.CENTRAL);
  admin = await api.token(Role.ADMIN);
  const ok = api.mutate;
  await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', {
    clues: 'GRIMB000101', name: 'Centro de Salud Rural San Juan', kind: 'FIXED', levelOfCare: 'FIRST', typologyCode: 'CSR1', typologyName: 'RURAL DE 01 NÚCLEO BÁSICO', supplyingWarehouseClues: 'GRSSA000010',
  });
  await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', {
    clues: 'GRIMB000102', name: 'Centro de Salud Urbano Chilpancingo', kind: 'FIXED', levelOfCare: 'FIRST', typologyCode: 'CSU3', typologyName: 'URBANO DE 03 NÚCLEOS BÁSICOS', supplyingWarehouseClues: 'GRSSA000010',
  });
  // the warehouse's stock, and 5 pieces already promised to the hospital
  await ok(await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' }), 'stockReceive', 'StockReceiveInput', {
    idempotencyKey: 'in-almacen',
    clues: 'GRSSA000010',
    lines: [
      { clave: PARA, lotNumber: 'P-2031', expiresOn: '2031-06-30', acceptedQuantity: 50 },
      { clave: GASA, lotNumber: 'G-1', acceptedQuantity: 100 },
    ],
  });
  await ok(central, 'redistributionOrderCreate', 'RedistributionOrderInput', { idempotencyKey: 'promesa', fromClues: 'GRSSA000010', toClues: 'GRSSA000002', clave: PARA, pieces: 5 }, 'order { number }');
  for (const [clues, pieces] of [['GRIMB000102', 12], ['GRSSA000001', 3]] as const) {
    await ok(await api.token(Role.PHARMACY, { clues }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: `in-${clues}`,
      clues,
      lines: [{ clave: PARA, lotNumber: `U-${clues}`, expiresOn: '2031-06-30', acceptedQuantity: pieces }],
    });
  }
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

describe('kits', () => {
  const CREATE = `mutation($i: KitTemplateCreateInput!) { kitTemplateCreate(input: $i) {
    kitTemplate { code version name levelOfCare validFrom validTo pieces lines { clave pieces supplyItem { description } } } userErrors { code field message } } }`;

  test('bad kits are refused, each problem at once, nothing written', async () => {
    const before = await counts();
    const noLines = await api.gql(CREATE, { i: { code: 'KIT-PN', name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: `${THIS_MONTH}-01`, lines: [] } }, central);
    expect(noLines.data.kitTemplateCreate.userErrors.map((e: any) => e.code)).toEqual(['NO_LINES']);
    const bad = await api.gql(
      CREATE,
      { i: { code: 'KIT-PN', name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: `${THIS_MONTH}-01`, lines: [{ clave: CLAVES.trastuzumab, pieces: 1 }, { clave: '010.000.9999.00', pieces: 2 }] } },
      central,
    );
    expect(bad.data.kitTemplateCreate.userErrors).toEqual([
      { code: 'NOT_AUTHORIZED_FOR_LEVEL', field: ['input', 'lines', '0', 'clave'], message: `La clave ${CLAVES.trastuzumab} no está autorizada para el primer nivel.` },
      { code: 'UNKNOWN_CLAVE', field: ['input', 'lines', '1', 'clave'], message: 'No existe la clave 010.000.9999.00.' },
    ]);
    const pharmacy = await api.gql(CREATE, { i: { code: 'KIT-X', name: 'x', levelOfCare: 'FIRST', validFrom: TODAY, lines: [{ clave: PARA, pieces: 1 }] } }, await api.token(Role.PHARMACY, { clues: 'GRSSA000001' }));
    expect(pharmacy.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await tdb.db.query('SELECT count(*)::int AS n FROM kit_template')).toEqual([{ n: 0 }]);
    expect(await counts()).toBe(before);
  });

  test('a kit and a later version: the first ends the day before the second starts', async () => {
    const v1 = await api.gql(CREATE, { i: { code: 'kit-pn', name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: `${THIS_MONTH}-01`, lines: [{ clave: PARA, pieces: 8 }, { clave: GASA, pieces: 4 }] } }, central);
    expect(v1.data.kitTemplateCreate.kitTemplate).toMatchObject({ code: 'KIT-PN', version: 1, validTo: null, pieces: 12 });
    const v2 = await api.gql(CREATE, { i: { code: 'KIT-PN', name: 'Kit primer nivel', levelOfCare: 'FIRST', validFrom: `${M1}-01`, lines: [{ clave: PARA, pieces: 10 }, { clave: GASA, pieces: 4 }] } }, central);
    expect(v2.data.kitTemplateCreate.kitTemplate).toMatchObject({ version: 2, validFrom: `${M1}-01`, pieces: 14, lines: [{ clave: PARA, pieces: 10, supplyItem: { description: 'Paracetamol. Tableta 500 mg' } }, { clave: GASA, pieces: 4 }] });
    const all = await api.gql('{ kitTemplates(code: "KIT-PN") { version validFrom validTo } }', {}, central);
    expect(all.data.kitTemplates).toEqual([
      { version: 2, validFrom: `${M1}-01`, validTo: null },
      { version: 1, validFrom: `${THIS_MONTH}-01`, validTo: addDays(`${M1}-01`, -1) },
    ]);
  });
});

describe('kits a month and routes', () => {
  test('kits a month, each with where it comes from', async () => {
    await api.mutate(central, 'kitSizeRuleSet', 'KitSizeRuleSetInput', { typologyCode: 'UMM', kits: 2 }, 'kitSizeRule { kits } userErrors { code }');
    const coordinator = await api.token(Role.STATE_COORDINATOR, { state: '12' });
    await api.mutate(coordinator, 'kitsPerMonthSet', 'KitsPerMonthSetInput', { clues: 'GRSSA000001', kits: 1, reason: 'atiende medio turno' }, 'kitsPerMonth { kits } userErrors { code }');
    const other = await api.gql(
      `mutation { kitsPerMonthSet(input: { clues: "OCSSA000001", kits: 4, reason: "x" }) { userErrors { code } } }`,
      {},
      coordinator,
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = ['GRIMB000101', 'GRIMB000102', 'GRSSA000003', 'GRSSA000001', 'GRSSA000002'];
    const r = await api.gql(`{ ${list.map((c) => `${c}: establishment(clues: "${c}") { clues kitsPerMonth { kits source explanation } }`).join(' ')} }`, {}, central);
    expect(r.errors).toBeUndefined();
    expect(Object.fromEntries(list.map((c) => [c, r.data[c].kitsPerMonth]))).toEqual({
      GRIMB000101: { kits: 1, source: 'NUCLEOS_BASICOS', explanation: '1 kit: núcleos básicos de su tipología DGIS (RURAL DE 01 NÚCLEO BÁSICO)' },
      GRIMB000102: { kits: 3, source: 'NUCLEOS_BASICOS', explanation: '3 kits: núcleos básicos de su tipología DGIS (URBANO DE 03 NÚCLEOS BÁSICOS)' },
      GRSSA000003: { kits: 2, source: 'TYPOLOGY_RULE', explanation: '2 kits: regla de su tipología (UNIDAD MOVIL)' },
      GRSSA000001: { kits: 1, source: 'OVERRIDE', explanation: '1 kit: fijado para la unidad (atiende medio turno)' },
      GRSSA000002: { kits: 1, source: 'DEFAULT', explanation: '1 kit: uno por omisión' },
    });
  });

  test('a route: its stops in the warehouse\'s state, each on one route per kit', async () => {
    const UPSERT = `mutation($i: RouteUpsertInput!) { routeUpsert(input: $i) { route { code warehouseClues carrier deliveryWeek stops { position clues } } userErrors { code field message } } }`;
    const base = { code: 'GRO-01', name: 'Ruta Centro', warehouseClues: 'GRSSA000010', carrier: 'Birmex', deliveryWeek: 3, kitTemplateCode: 'KIT-PN' };
    const bad = await api.gql(UPSERT, { i: { ...base, stops: ['GRIMB000101', 'OCSSA000001', 'GRIMB000101', 'GRIMB000004'] } }, central);
    expect(bad.data.routeUpsert.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')])).toEqual([
      ['STOP_OUTSIDE_STATE', 'stops.1'],
      ['DUPLICATE_LINE', 'stops.2'],
      ['NOT_OPERATING', 'stops.3'],
    ]);
    const good = await api.gql(UPSERT, { i: { ...base, stops: UNITS } }, central);
    expect(good.data.routeUpsert).toEqual({
      route: { code: 'GRO-01', warehouseClues: 'GRSSA000010', carrier: 'Birmex', deliveryWeek: 3, stops: UNITS.map((clues, i) => ({ position: i + 1, clues })) },
      userErrors: [],
    });
    const twice = await api.gql(UPSERT, { i: { ...base, code: 'GRO-02', stops: ['GRIMB000102'] } }, central);
    expect(twice.data.routeUpsert.userErrors).toEqual([
      { code: 'ALREADY_ON_ROUTE', field: ['input', 'stops', '0'], message: 'GRIMB000102 ya está en la ruta GRO-01 del kit KIT-PN: una unidad va en una sola ruta por kit.' },
    ]);
    // a unit sees the route that stops at it, and no other
    const unit = await api.gql('{ routes { code } }', {}, await api.token(Role.PHARMACY, { clues: 'GRIMB000102' }));
    expect(unit.data.routes).toEqual([{ code: 'GRO-01' }]);
    const elsewhere = await api.gql('{ routes { code } }', {}, await api.token(Role.PHARMACY, { clues: 'OCSSA000001' }));
    expect(elsewhere.data.routes).toEqual([]);
  });
});

let first: any;
let second: any;

describe('a month\'s round', () => {
  test('refused, writing nothing: a past month, an unknown kit, another state\'s coordinator', async () => {
    const before = await counts();
    const past = await round({ idempotencyKey: 'r-past', month: nextMonth(THIS_MONTH, -1), kitTemplate: 'KIT-PN', mode: 'FULL_KIT' });
    expect(codes(past)).toEqual(['MONTH_IN_PAST']);
    const unknown = await round({ idempotencyKey: 'r-unknown', month: M1, kitTemplate: 'KIT-XX', mode: 'FULL_KIT' });
    expect(codes(unknown)).toEqual(['UNKNOWN_KIT']);
    const noUnits = await round({ idempotencyKey: 'r-oax', month: M1, kitTemplate: 'KIT-PN', mode: 'FULL_KIT', stateCodes: ['20'] });
    expect(codes(noUnits)).toEqual(['NO_UNITS']);
    const oaxaca = await round({ idempotencyKey: 'r-coord', month: M1, kitTemplate: 'KIT-PN', mode: 'FULL_KIT', stateCodes: ['12'] }, await api.token(Role.STATE_COORDINATOR, { state: '20' }));
    expect(oaxaca.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await counts()).toBe(before);
  });

  test('FULL_KIT: an approved order per unit, the short clave shared by hand', async () => {
    const r = await round({ idempotencyKey: 'ronda-1', month: M1, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' });
    expect(r.errors).toBeUndefined();
    expect(r.data.distributionRoundCreate.userErrors).toEqual([]);
    first = r.data.distributionRoundCreate.round;
    expect(first).toMatchObject({ month: M1, mode: 'FULL_KIT', units: 4, kits: 7, kitTemplate: { code: 'KIT-PN', version: 2 } });
    expect(first.claves).toEqual([
      { clave: PARA, warehouseClues: 'GRSSA000010', planned: 70, available: 45, allocated: 45, units: 4, shortUnits: 2 },
      { clave: GASA, warehouseClues: 'GRSSA000010', planned: 28, available: 100, allocated: 28, units: 4, shortUnits: 0 },
    ]);
    expect(first.routes).toEqual([{ code: 'GRO-01', units: 4, kits: 7, dispatched: 0, received: 0 }]);
    const byUnit = Object.fromEntries(first.orders.map((o: any) => [o.requestingClues, o]));
    expect(first.orders.map((o: any) => o.requestingClues)).toEqual(UNITS); // stop order
    const lines = (clues: string) => byUnit[clues].lines.map((l: any) => [l.clave, l.requested, l.approved]);
    expect(lines('GRIMB000101')).toEqual([[PARA, 10, 10], [GASA, 4, 4]]);
    expect(lines('GRIMB000102')).toEqual([[PARA, 30, 11], [GASA, 12, 12]]);
    expect(lines('GRSSA000003')).toEqual([[PARA, 20, 20], [GASA, 8, 8]]);
    expect(lines('GRSSA000001')).toEqual([[PARA, 10, 4], [GASA, 4, 4]]);
    for (const o of first.orders) {
      expect(o).toMatchObject({ supplyingClues: 'GRSSA000010', status: 'APPROVED', origin: 'DISTRIBUTION', promisedOn: `${M1}-21` });
    }
  });

  test('a round\'s figures below state level stay in the caller\'s scope', async () => {
    const Q = `{ distributionRound(number: "${first.number}") { units kits routes { code units kits } claves { clave warehouseClues } orders { requestingClues } } }`;
    // a centre: its own stop's figures on its route, no warehouse's stock, its own order
    const unit = await api.gql(Q, {}, await api.token(Role.PHARMACY, { clues: 'GRIMB000102' }));
    expect(unit.data.distributionRound).toEqual({ units: 1, kits: 3, routes: [{ code: 'GRO-01', units: 1, kits: 3 }], claves: [], orders: [{ requestingClues: 'GRIMB000102' }] });
    // the warehouse and the state's coordinator: the whole route and the warehouse's claves
    for (const token of [await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' }), await api.token(Role.STATE_COORDINATOR, { state: '12' })]) {
      const r = await api.gql(Q, {}, token);
      expect(r.data.distributionRound).toMatchObject({ units: 4, kits: 7, routes: [{ code: 'GRO-01', units: 4, kits: 7 }], claves: [{ clave: PARA }, { clave: GASA }] });
    }
    for (const token of [await api.token(Role.STATE_COORDINATOR, { state: '20' }), await api.token(Role.PHARMACY, { clues: 'OCSSA000001' }), await api.token(Role.WAREHOUSE, { clues: 'DFSSA004936' })]) {
      const r = await api.gql(Q, {}, token);
      expect(r.errors).toBeUndefined();
      expect(r.data.distributionRound).toBeNull();
    }
  });

  test('after the share, no unit is above its maximum months while another is below its minimum (CPM 10, band 1–3 months)', async () => {
    const held: Record<string, number> = { GRIMB000101: 0, GRIMB000102: 12, GRSSA000003: 0, GRSSA000001: 3 };
    const months = first.orders.map((o: any) => (held[o.requestingClues] + o.lines.find((l: any) => l.clave === PARA).approved) / 10);
    expect(months).toEqual([1, 2.3, 2, 0.7]);
    const above = months.some((m: number) => m > 3);
    const below = months.some((m: number) => m < 1);
    expect(above && below).toBe(false);
  });

  test('the orders count where every order counts: in the warehouse\'s promises, the unit\'s pending, indicator 53', async () => {
    // all of the warehouse's available paracetamol is now promised: 5 + 45
    const [{ promised }] = await tdb.db.query(
      `SELECT sum(pieces)::int AS promised FROM stock_pending p JOIN establishment e ON e.id = p.supplying_id JOIN supply_item s ON s.id = p.supply_item_id WHERE e.clues = 'GRSSA000010' AND s.clave = $1`,
      [PARA],
    );
    expect(promised).toBe(50);
    const [{ n }] = await tdb.db.query(`SELECT count(*)::int AS n FROM order_fill f JOIN supply_order o ON o.id = f.order_id WHERE o.origin = 'DISTRIBUTION'`);
    expect(n).toBeGreaterThan(0);
  });

  test('the same key again returns the same round and writes nothing; another round of the month is refused', async () => {
    const before = await counts();
    const again = await round({ idempotencyKey: 'ronda-1', month: M1, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' });
    expect(again.data.distributionRoundCreate.round.number).toBe(first.number);
    expect(await counts()).toBe(before);
    const second = await round({ idempotencyKey: 'ronda-1b', month: M1, kitTemplate: 'KIT-PN', mode: 'TOP_UP' });
    expect(codes(second)).toEqual(['ALREADY_IN_ROUND']);
    expect(second.data.distributionRoundCreate.userErrors[0].message).toBe(
      `Ya hay ronda de KIT-PN en ${M1} para GRIMB000101 (${first.number}), GRIMB000102 (${first.number}), GRSSA000001 (${first.number}), GRSSA000003 (${first.number}): una unidad recibe una ronda por mes.`,
    );
    expect(await counts()).toBe(before);
  });

  test('TOP_UP next month: up to the standard less what each unit holds, has on the way and has approved; who needs nothing is reported', async () => {
    // nothing of paracetamol is free (45 promised to the round, 5 to the hospital): 5 more arrive, same lot
    await api.mutate(await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'in-almacen-top-up',
      clues: 'GRSSA000010',
      lines: [{ clave: PARA, lotNumber: 'P-2031', expiresOn: '2031-06-30', acceptedQuantity: 5 }],
    });
    const r = await round({ idempotencyKey: 'ronda-2', month: M2, kitTemplate: 'KIT-PN', mode: 'TOP_UP' });
    expect(r.data.distributionRoundCreate.userErrors).toEqual([]);
    const next = r.data.distributionRoundCreate.round;
    second = next;
    // standard less usable held less round 1's approved pieces (not yet sent):
    //   paracetamol 101: 10 − 0 − 10 = 0; 102: 30 − 12 − 11 = 7; 003: 20 − 0 − 20 = 0; 001: 10 − 3 − 4 = 3 → 10 planned, 5 free;
    //   neither is stocked out, so by what each lacks: 102: 5 × 7 / 10 = 3.5 → 3, 001: 5 × 3 / 10 = 1.5 → 1; 1 left, remainders
    //   tied at .5 → the lowest CLUES, GRIMB000102 → 4
    //   gasa: every unit has its standard approved already → nothing planned
    expect(next.claves).toEqual([{ clave: PARA, warehouseClues: 'GRSSA000010', planned: 10, available: 5, allocated: 5, units: 2, shortUnits: 2 }]);
    expect(next.orders.map((o: any) => [o.requestingClues, o.lines.map((l: any) => [l.clave, l.requested, l.approved])])).toEqual([
      ['GRIMB000102', [[PARA, 7, 4]]],
      ['GRSSA000001', [[PARA, 3, 1]]],
    ]);
    expect(next).toMatchObject({ units: 2, kits: 4 });
    const skipped = await api.gql(`{ distributionRound(number: "${next.number}") { skipped { clues routeCode position kits reason message } } }`, {}, central);
    expect(skipped.data.distributionRound.skipped).toEqual([
      { clues: 'GRIMB000101', routeCode: 'GRO-01', position: 1, kits: 1, reason: 'NO_NEED', message: 'Tiene lo del estándar del kit (utilizable, en camino o aprobado): no necesitó piezas.' },
      { clues: 'GRSSA000003', routeCode: 'GRO-01', position: 3, kits: 2, reason: 'NO_NEED', message: 'Tiene lo del estándar del kit (utilizable, en camino o aprobado): no necesitó piezas.' },
    ]);
  });

  test('a replay of a round once its month is past answers with the round; a new round for a past month is refused', async () => {
    const { createRound } = await import('../../src/modules/distribution/rounds');
    const ctx = createContext(tdb.db, api.config, new Viewer('test-central', Role.CENTRAL, null, null)); // the API's central caller
    const before = await counts();
    // the calendar moves on to the 15th of the month after M1: M1 is past
    const later = Date.parse(`${M2}-15T18:00:00Z`);
    const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      const again = await createRound(ctx, { idempotencyKey: 'ronda-1', month: M1, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' } as DistributionRoundCreateInput);
      expect(again.number).toBe(first.number);
      await expect(createRound(ctx, { idempotencyKey: 'ronda-pasada', month: M1, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' } as DistributionRoundCreateInput)).rejects.toMatchObject({
        errors: [{ code: 'MONTH_IN_PAST', message: `El mes ${M1} ya pasó: una ronda nueva es para este mes o uno posterior.` }],
      });
    } finally {
      clock.mockRestore();
    }
    expect(await counts()).toBe(before);
  });

  test('a warehouse with nothing of the kit to send: refused, nothing written', async () => {
    const M3 = nextMonth(THIS_MONTH, 3);
    // paracetamol is all promised; 100 − 28 gasa are free: take them away with a redistribution
    await api.mutate(central, 'redistributionOrderCreate', 'RedistributionOrderInput', { idempotencyKey: 'vaciar', fromClues: 'GRSSA000010', toClues: 'GRSSA000002', clave: GASA, pieces: 72 }, 'order { number }');
    const before = await counts();
    const r = await round({ idempotencyKey: 'ronda-3', month: M3, kitTemplate: 'KIT-PN', mode: 'FULL_KIT' });
    expect(codes(r)).toEqual(['NOTHING_TO_SEND']);
    expect(await counts()).toBe(before);
  });

  test('the last day of a delivery week', async () => {
    const { deliveryWeekEnd } = await import('../../src/modules/distribution/rounds');
    expect(deliveryWeekEnd('2025-09', 3)).toBe('2025-09-21');
    expect(deliveryWeekEnd('2025-09', 5)).toBe('2025-09-30');
    expect(deliveryWeekEnd('2024-02', 5)).toBe(lastDayOfMonth('2024-02'));
    expect(lastDayOfMonth('2024-02')).toBe('2024-02-29');
  });
});

describe('out on the road: the manifest, one call to dispatch the route, receipt by exception', () => {
  const MANIFEST = `query($n: String!, $r: String!) { routeManifest(round: $n, route: $r) {
    routeCode carrier warehouseClues deliverBy
    stops { position clues kits orderNumber status shipments approved dispatched picks { clave lotNumber quantity onHand } leftBehind { clave } }
    picks { clave lotNumber expiresOn quantity onHand } } }`;
  const DISPATCH = `mutation($i: RouteDispatchInput!) { routeDispatch(input: $i) {
    shipments { number orderNumber toClues lines { clave lotNumber quantity } } skipped { clues code message } userErrors { code field message } } }`;
  let warehouse: string;

  beforeAll(async () => {
    warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  });

  test('the manifest: stops in order with their kits and lots; the route\'s pick list adds them up', async () => {
    const r = await api.gql(MANIFEST, { n: first.number, r: 'GRO-01' }, warehouse);
    expect(r.errors).toBeUndefined();
    const m = r.data.routeManifest;
    expect(m).toMatchObject({ routeCode: 'GRO-01', carrier: 'Birmex', warehouseClues: 'GRSSA000010', deliverBy: `${M1}-21` });
    expect(m.stops.map((s: any) => [s.position, s.clues, s.kits, s.approved, s.dispatched, s.picks.map((p: any) => `${p.clave}/${p.lotNumber}/${p.quantity}`)])).toEqual([
      [1, 'GRIMB000101', 1, 14, 0, [`${PARA}/P-2031/10`, `${GASA}/G-1/4`]],
      [2, 'GRIMB000102', 3, 23, 0, [`${PARA}/P-2031/11`, `${GASA}/G-1/12`]],
      [3, 'GRSSA000003', 2, 28, 0, [`${PARA}/P-2031/20`, `${GASA}/G-1/8`]],
      [4, 'GRSSA000001', 1, 8, 0, [`${PARA}/P-2031/4`, `${GASA}/G-1/4`]],
    ]);
    expect(m.picks).toEqual([
      { clave: PARA, lotNumber: 'P-2031', expiresOn: '2031-06-30', quantity: 45, onHand: 55 },
      { clave: GASA, lotNumber: 'G-1', expiresOn: null, quantity: 28, onHand: 100 },
    ]);
    // outside its scope: another state's coordinator
    const other = await api.gql(MANIFEST, { n: first.number, r: 'GRO-01' }, await api.token(Role.STATE_COORDINATOR, { state: '20' }));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const file = await api.gql(`{ routeManifestExport(round: "${first.number}", route: "GRO-01") { filename rows mimeType } }`, {}, warehouse);
    expect(file.data.routeManifestExport).toEqual({ filename: `manifiesto-${first.number}-GRO-01.xlsx`, rows: 8, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  });

  test('a route with open round orders keeps its warehouse; another warehouse cannot send its round', async () => {
    await api.mutate(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues: 'GRSSA000020', name: 'Almacén Regional Iguala', kind: 'SUPPORT' });
    await api.mutate(admin, 'warehouseUpsert', 'WarehouseUpsertInput', { clues: 'GRSSA000020', tier: 'REGIONAL' }, 'warehouse { clues } userErrors { code }');
    const before = await counts();
    const moved = await api.gql(
      `mutation($i: RouteUpsertInput!) { routeUpsert(input: $i) { route { code } userErrors { code message } } }`,
      { i: { code: 'GRO-01', name: 'Ruta Centro', warehouseClues: 'GRSSA000020', carrier: 'Birmex', deliveryWeek: 3, kitTemplateCode: 'KIT-PN', stops: UNITS } },
      central,
    );
    expect(moved.data.routeUpsert.userErrors.map((e: any) => e.code)).toEqual(['ROUTE_IN_USE']);
    const other = await api.gql(DISPATCH, { i: { idempotencyKey: 'ajeno', round: first.number, route: 'GRO-01' } }, await api.token(Role.WAREHOUSE, { clues: 'GRSSA000020' }));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await counts()).toBe(before);
    const badMonth = await api.gql('{ distributionRounds(month: "2025-13") { number } }', {}, central);
    expect(badMonth.errors?.[0]?.extensions?.code).toBe('INVALID_MONTH');
  });

  test('one call dispatches every stop, in stop order, as the manifest said; again with the key, nothing more', async () => {
    const unit = await api.gql(DISPATCH, { i: { idempotencyKey: 'ruta-1', round: first.number, route: 'GRO-01' } }, await api.token(Role.PHARMACY, { clues: 'GRIMB000101' }));
    expect(unit.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const r = await api.gql(DISPATCH, { i: { idempotencyKey: 'ruta-1', round: first.number, route: 'GRO-01' } }, warehouse);
    expect(r.errors).toBeUndefined();
    const out = r.data.routeDispatch;
    expect(out.userErrors).toEqual([]);
    expect(out.skipped).toEqual([]);
    expect(out.shipments.map((s: any) => [s.toClues, s.lines.map((l: any) => `${l.clave}/${l.lotNumber}/${l.quantity}`).sort()])).toEqual([
      ['GRIMB000101', [`${PARA}/P-2031/10`, `${GASA}/G-1/4`]],
      ['GRIMB000102', [`${PARA}/P-2031/11`, `${GASA}/G-1/12`]],
      ['GRSSA000003', [`${PARA}/P-2031/20`, `${GASA}/G-1/8`]],
      ['GRSSA000001', [`${PARA}/P-2031/4`, `${GASA}/G-1/4`]],
    ]);
    const [{ on_hand }] = await tdb.db.query(
      `SELECT sum(b.quantity)::int AS on_hand FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id JOIN supply_item s ON s.id = b.supply_item_id WHERE e.clues = 'GRSSA000010' AND s.clave = $1`,
      [PARA],
    );
    expect(on_hand).toBe(10);
    const before = await counts();
    const again = await api.gql(DISPATCH, { i: { idempotencyKey: 'ruta-1', round: first.number, route: 'GRO-01' } }, warehouse);
    expect(again.data.routeDispatch.shipments.map((s: any) => s.number)).toEqual(out.shipments.map((s: any) => s.number));
    expect(await counts()).toBe(before);
    // once the route has left, the manifest says what went to each stop
    const after = await api.gql(
      `{ routeManifest(round: "${first.number}", route: "GRO-01") { stops { clues picks { clave } shipped { clave lotNumber quantity } shipments } } }`,
      {},
      warehouse,
    );
    const stop2 = after.data.routeManifest.stops[1];
    expect(stop2.picks).toEqual([]);
    expect(stop2.shipped.map((l: any) => `${l.clave}/${l.lotNumber}/${l.quantity}`).sort()).toEqual([`${PARA}/P-2031/11`, `${GASA}/G-1/12`]);
    expect(stop2.shipments).toEqual([out.shipments[1].number]);
    const nothing = await api.gql(DISPATCH, { i: { idempotencyKey: 'ruta-1-otra', round: first.number, route: 'GRO-01' } }, warehouse);
    expect(nothing.data.routeDispatch.userErrors.map((e: any) => e.code)).toEqual(['NOTHING_TO_DISPATCH']);
    expect(await counts()).toBe(before);
  });

  test('a centre receives by exception, one lot rejected; the round follows route by route', async () => {
    const [shipment] = (await api.gql(`{ shipments(filter: { toClues: "GRIMB000102", statuses: [IN_TRANSIT] }) { edges { node { number } } } }`, {}, central)).data.shipments.edges.map((e: any) => e.node.number);
    await api.mutate(await api.token(Role.PHARMACY, { clues: 'GRIMB000102' }), 'shipmentReceive', 'ShipmentReceiveInput', {
      idempotencyKey: 'recibo-102',
      shipmentNumber: shipment,
      acceptAllAsShipped: true,
      lines: [{ clave: GASA, lotNumber: 'G-1', acceptedQuantity: 10, rejectionReason: 'DAMAGED' }],
    }, 'shipment { status } userErrors { code }');
    const r = await api.gql(`{ distributionRound(number: "${first.number}") { routes { code units dispatched received } orders(route: "GRO-01") { number requestingClues status lines { clave approved accepted rejected } } } }`, {}, central);
    expect(r.data.distributionRound.routes).toEqual([{ code: 'GRO-01', units: 4, dispatched: 4, received: 1 }]);
    const order = await api.gql(`{ order(number: "${r.data.distributionRound.orders[0].number}") { origin distributionRound { number month } } }`, {}, central);
    expect(order.data.order).toEqual({ origin: 'DISTRIBUTION', distributionRound: { number: first.number, month: M1 } });
    const week = await api.gql(`{ distributionRound(number: "${first.number}") { routes { deliverBy } } }`, {}, central);
    expect(week.data.distributionRound.routes).toEqual([{ deliverBy: `${M1}-21` }]);
    const received = r.data.distributionRound.orders.find((o: any) => o.requestingClues === 'GRIMB000102');
    expect(received.lines).toEqual([
      { clave: PARA, approved: 11, accepted: 11, rejected: 0 },
      { clave: GASA, approved: 12, accepted: 10, rejected: 2 },
    ]);
    expect(received.status).toBe('PARTIALLY_FULFILLED');
  });

  test('the round in the indicators: units supplied (also by delivery day), kit fill rate, on time; ORIGIN on the fill rates', async () => {
    const f = { from: `${M1}-01`, to: lastDayOfMonth(M1) };
    const ind = async (code: string, groupBy: string[] = []) => {
      const r = await api.gql(
        `query($c: IndicatorCode!, $f: IndicatorFilter, $g: [IndicatorDimension!]) { indicator(code: $c, filter: $f, groupBy: $g) {
           formula total { numerator denominator } rows { routeCode deliveryDay origin numerator denominator } } }`,
        { c: code, f, g: groupBy },
        central,
      );
      expect(r.errors).toBeUndefined();
      return r.data.indicator;
    };
    // one centre of four received (today, the day the route left: day 1)
    const supplied = await ind('ROUND_UNITS_SUPPLIED', ['ROUTE']);
    expect(supplied.total).toEqual({ numerator: 1, denominator: 4 });
    expect(supplied.rows).toEqual([{ routeCode: 'GRO-01', deliveryDay: null, origin: null, numerator: 1, denominator: 4 }]);
    const byDay = await ind('ROUND_UNITS_SUPPLIED', ['DELIVERY_DAY']);
    expect(byDay.rows).toEqual([{ routeCode: null, deliveryDay: 1, origin: null, numerator: 1, denominator: 4 }]);
    // pieces accepted / pieces planned: GRIMB000102 accepted 11 + 10 of the round's 70 + 28 planned
    const fill = await ind('KIT_FILL_RATE');
    expect(fill.total).toEqual({ numerator: 21, denominator: 98 });
    // the delivery week has not ended yet: no unit counts for on time
    expect((await ind('ROUND_ON_TIME')).total).toEqual({ numerator: 0, denominator: 0 });
    // a centre that rejects every lot it was sent has received, but was not supplied
    const [rejected] = (await api.gql(`{ shipments(filter: { toClues: "GRSSA000001", statuses: [IN_TRANSIT] }) { edges { node { number } } } }`, {}, central)).data.shipments.edges.map((e: any) => e.node.number);
    await api.mutate(await api.token(Role.PHARMACY, { clues: 'GRSSA000001' }), 'shipmentReceive', 'ShipmentReceiveInput', {
      idempotencyKey: 'recibo-001',
      shipmentNumber: rejected,
      lines: [
        { clave: PARA, lotNumber: 'P-2031', acceptedQuantity: 0, rejectedQuantity: 4, rejectionReason: 'DAMAGED' },
        { clave: GASA, lotNumber: 'G-1', acceptedQuantity: 0, rejectedQuantity: 4, rejectionReason: 'DAMAGED' },
      ],
    }, 'shipment { status } userErrors { code }');
    const routes = await api.gql(`{ distributionRound(number: "${first.number}") { routes { received } } }`, {}, central);
    expect(routes.data.distributionRound.routes).toEqual([{ received: 2 }]);
    expect((await ind('ROUND_UNITS_SUPPLIED')).total).toEqual({ numerator: 1, denominator: 4 });
    expect((await ind('KIT_FILL_RATE')).total).toEqual({ numerator: 21, denominator: 98 });
    // day 1 is the round's first dispatch anywhere, whatever the filter: had GRIMB000101's shipment left yesterday,
    // a centre that has not received yet has a day 1 (yesterday) and a day 2 (today)
    await tdb.db.query(
      `UPDATE shipment SET dispatched_at = dispatched_at - interval '1 day' WHERE order_id IN (SELECT o.id FROM supply_order o JOIN establishment e ON e.id = o.requesting_id WHERE e.clues = 'GRIMB000101' AND o.distribution_round_id IS NOT NULL)`,
    );
    const one = await api.gql(
      `query($f: IndicatorFilter) { indicator(code: ROUND_UNITS_SUPPLIED, filter: $f, groupBy: [DELIVERY_DAY]) { rows { deliveryDay numerator denominator } } }`,
      { f: { ...f, clues: ['GRSSA000003'] } },
      central,
    );
    expect(one.errors).toBeUndefined();
    expect(one.data.indicator.rows).toEqual([
      { deliveryDay: 1, numerator: 0, denominator: 1 },
      { deliveryDay: 2, numerator: 0, denominator: 1 },
    ]);
    // the round's orders were approved today: today's order cohort, by origin (the 5-piece redistribution is a replenishment)
    const today = { from: TODAY, to: TODAY };
    const r = await api.gql(
      `query($f: IndicatorFilter) { indicator(code: QUANTITY_FILL_RATE, filter: $f, groupBy: [ORIGIN]) { rows { origin numerator denominator } } }`,
      { f: today },
      central,
    );
    const byOrigin = Object.fromEntries(r.data.indicator.rows.map((x: any) => [x.origin, [x.numerator, x.denominator]]));
    // DISTRIBUTION: accepted 21 of the rounds' approved 45 + 28 (round 1) + 4 + 1 (round 2)
    expect(byOrigin.DISTRIBUTION).toEqual([21, 45 + 28 + 4 + 1]);
    expect(byOrigin.REPLENISHMENT).toEqual([0, 5 + 72]);
  });
});

describe('two rounds at once never promise the same pieces', () => {
  test('concurrent rounds on two routes of one warehouse: the pieces are promised once', async () => {
    const M4 = nextMonth(THIS_MONTH, 4);
    const ok = api.mutate;
    await ok(await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'in-almacen-2',
      clues: 'GRSSA000010',
      lines: [{ clave: PARA, lotNumber: 'P-2032', expiresOn: '2032-06-30', acceptedQuantity: 30 }],
    });
    for (const [clues, route] of [['GRIMB000201', 'GRO-02'], ['GRIMB000202', 'GRO-03']]) {
      await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues, name: `Centro de Salud ${clues}`, kind: 'FIXED', levelOfCare: 'FIRST', supplyingWarehouseClues: 'GRSSA000010' });
      await ok(central, 'kitsPerMonthSet', 'KitsPerMonthSetInput', { clues, kits: 3, reason: 'prueba de concurrencia' }, 'kitsPerMonth { kits } userErrors { code }');
      await ok(central, 'routeUpsert', 'RouteUpsertInput', { code: route, name: route, warehouseClues: 'GRSSA000010', carrier: 'Birmex', deliveryWeek: 2, kitTemplateCode: 'KIT-PN', stops: [clues] }, 'route { code } userErrors { code }');
    }
    // 30 free pieces of paracetamol, each centre needs 3 × 10; no gasa left: whoever goes second has nothing to send
    const [a, b] = await Promise.all([
      round({ idempotencyKey: 'par-a', month: M4, kitTemplate: 'KIT-PN', mode: 'FULL_KIT', routes: ['GRO-02'] }),
      round({ idempotencyKey: 'par-b', month: M4, kitTemplate: 'KIT-PN', mode: 'FULL_KIT', routes: ['GRO-03'] }),
    ]);
    const outcomes = [a, b].map((r) => (r.data.distributionRoundCreate.round ? 'made' : codes(r).join(',')));
    expect(outcomes.sort()).toEqual(['NOTHING_TO_SEND', 'made']);
    const [{ promised }] = await tdb.db.query(
      `SELECT coalesce(sum(l.approved), 0)::int AS promised FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id JOIN supply_item s ON s.id = l.supply_item_id
        JOIN distribution_round r ON r.id = o.distribution_round_id WHERE r.month = $1 AND s.clave = $2`,
      [`${M4}-01`, PARA],
    );
    expect(promised).toBe(30);
  });
});


describe('review: what a replay says, who may get what, how large a round may be, what a list costs', () => {
  const DISPATCH = `mutation($i: RouteDispatchInput!) { routeDispatch(input: $i) { shipments { number toClues } skipped { clues orderNumber code message } userErrors { code } } }`;

  test('a stop skipped when the route left is skipped again in the replay', async () => {
    const warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
    const cancelled = second.orders.find((o: any) => o.requestingClues === 'GRSSA000001').number;
    await api.mutate(central, 'orderCancel', 'OrderEndInput', { number: cancelled, reason: 'la unidad cerró por remodelación' }, 'order { status } userErrors { code }');
    const r = await api.gql(DISPATCH, { i: { idempotencyKey: 'ruta-2', round: second.number, route: 'GRO-01' } }, warehouse);
    expect(r.errors).toBeUndefined();
    const out = r.data.routeDispatch;
    expect(out.shipments.map((s: any) => s.toClues)).toEqual(['GRIMB000102']);
    expect(out.skipped).toHaveLength(1);
    expect(out.skipped[0]).toMatchObject({ clues: 'GRSSA000001', orderNumber: cancelled });
    const before = await counts();
    const again = await api.gql(DISPATCH, { i: { idempotencyKey: 'ruta-2', round: second.number, route: 'GRO-01' } }, warehouse);
    expect(again.data.routeDispatch).toEqual(out);
    expect(await counts()).toBe(before);
  });

  test('a route carries units of its kit\'s level; a unit gets only the kit\'s claves authorised for it; nothing to top up is refused', async () => {
    const M5 = nextMonth(THIS_MONTH, 5);
    const ok = api.mutate;
    await ok(await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' }), 'stockReceive', 'StockReceiveInput', {
      idempotencyKey: 'in-almacen-3',
      clues: 'GRSSA000010',
      lines: [{ clave: PARA, lotNumber: 'P-2032', expiresOn: '2032-06-30', acceptedQuantity: 20 }, { clave: GASA, lotNumber: 'G-1', acceptedQuantity: 20 }],
    });
    const unit = { clues: 'GRIMB000301', name: 'Centro de Salud Tixtla', kind: 'FIXED', levelOfCare: 'FIRST', supplyingWarehouseClues: 'GRSSA000010' };
    await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', unit);
    await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { ...unit, clues: 'GRIMB000302', name: 'Hospital Comunitario Tixtla', levelOfCare: 'SECOND' });
    const route = { code: 'GRO-04', name: 'Tixtla', warehouseClues: 'GRSSA000010', carrier: 'Correos de México', deliveryWeek: 4, kitTemplateCode: 'KIT-PN' };
    const before = await counts();
    const mixed = await api.gql(`mutation($i: RouteUpsertInput!) { routeUpsert(input: $i) { route { code } userErrors { code field message } } }`, { i: { ...route, stops: ['GRIMB000301', 'GRIMB000302'] } }, central);
    expect(mixed.data.routeUpsert.userErrors).toEqual([
      { code: 'LEVEL_MISMATCH', field: ['input', 'stops', '1'], message: 'GRIMB000302 es de segundo nivel y el kit KIT-PN es de primer nivel: la ruta de un kit lleva unidades de su nivel.' },
    ]);
    expect(await counts()).toBe(before);
    await ok(central, 'routeUpsert', 'RouteUpsertInput', { ...route, stops: ['GRIMB000301'] }, 'route { code } userErrors { code }');
    // the registry then says the centre became a hospital, and gasa is authorised for the first level only
    await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { ...unit, levelOfCare: 'SECOND' });
    await ok(admin, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave: GASA, authorizedLevels: ['FIRST'] }, 'supplyItem { clave } userErrors { code }');
    try {
      const r = await round({ idempotencyKey: 'ronda-nivel', month: M5, kitTemplate: 'KIT-PN', mode: 'FULL_KIT', routes: ['GRO-04'] });
      expect(r.data.distributionRoundCreate.userErrors).toEqual([]);
      expect(r.data.distributionRoundCreate.round.orders.map((o: any) => o.lines.map((l: any) => [l.clave, l.requested, l.approved]))).toEqual([[[PARA, 10, 10]]]);
      // a month later, TOP_UP: it has its 10 approved; gasa is not for it: nothing to send
      const none = await round({ idempotencyKey: 'ronda-nivel-2', month: nextMonth(THIS_MONTH, 6), kitTemplate: 'KIT-PN', mode: 'TOP_UP', routes: ['GRO-04'] });
      expect(none.data.distributionRoundCreate.userErrors).toEqual([
        { code: 'NO_NEED', field: ['input', 'mode'], message: 'Ninguna unidad necesita piezas del kit KIT-PN: todas tienen lo del estándar (utilizable, en camino o aprobado).' },
      ]);
      // paracetamol not for it either: the centre is reported, not given an empty order
      await ok(admin, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave: PARA, authorizedLevels: ['FIRST', 'THIRD'] }, 'supplyItem { clave } userErrors { code }');
      await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { ...unit, clues: 'GRIMB000303', name: 'Centro de Salud Zumpango' });
      await ok(central, 'routeUpsert', 'RouteUpsertInput', { ...route, code: 'GRO-05', stops: ['GRIMB000303'] }, 'route { code } userErrors { code }');
      const M7 = nextMonth(THIS_MONTH, 7);
      const skip = await round({ idempotencyKey: 'ronda-nivel-3', month: M7, kitTemplate: 'KIT-PN', mode: 'FULL_KIT', routes: ['GRO-04', 'GRO-05'] });
      expect(skip.data.distributionRoundCreate.userErrors).toEqual([]);
      expect(skip.data.distributionRoundCreate.round.orders.map((o: any) => o.requestingClues)).toEqual(['GRIMB000303']);
      const s = await api.gql(`{ distributionRound(number: "${skip.data.distributionRoundCreate.round.number}") { units skipped { clues reason } } }`, {}, central);
      expect(s.data.distributionRound).toEqual({ units: 1, skipped: [{ clues: 'GRIMB000301', reason: 'NOT_AUTHORIZED' }] });
    } finally {
      await ok(admin, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave: GASA, authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] }, 'supplyItem { clave } userErrors { code }');
      await ok(admin, 'supplyItemUpsert', 'SupplyItemUpsertInput', { clave: PARA, authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] }, 'supplyItem { clave } userErrors { code }');
    }
  });

  test('a round beyond what the report can count is refused, nothing written', async () => {
    const ok = api.mutate;
    await ok(central, 'kitTemplateCreate', 'KitTemplateCreateInput', { code: 'KIT-XL', name: 'Kit de prueba enorme', levelOfCare: 'FIRST', validFrom: `${THIS_MONTH}-01`, lines: [{ clave: PARA, pieces: 1_000_000 }] }, 'kitTemplate { code } userErrors { code }');
    // 22 centres × 100 kits × 1,000,000 pieces = 2,200,000,000 > 2,147,483,647
    const stops: string[] = [];
    for (let i = 1; i <= 22; i++) {
      const clues = `GRIMB0004${String(i).padStart(2, '0')}`;
      await ok(admin, 'establishmentUpsert', 'EstablishmentUpsertInput', { clues, name: `Centro ${i}`, kind: 'FIXED', levelOfCare: 'FIRST', supplyingWarehouseClues: 'GRSSA000010' });
      await ok(central, 'kitsPerMonthSet', 'KitsPerMonthSetInput', { clues, kits: 100, reason: 'prueba de límite' }, 'kitsPerMonth { kits } userErrors { code }');
      stops.push(clues);
    }
    await ok(central, 'routeUpsert', 'RouteUpsertInput', { code: 'GRO-XL', name: 'XL', warehouseClues: 'GRSSA000010', carrier: 'Birmex', deliveryWeek: 1, kitTemplateCode: 'KIT-XL', stops }, 'route { code } userErrors { code }');
    const before = await counts();
    const r = await round({ idempotencyKey: 'ronda-xl', month: M1, kitTemplate: 'KIT-XL', mode: 'FULL_KIT' });
    expect(r.errors).toBeUndefined();
    expect(r.data.distributionRoundCreate.userErrors).toEqual([
      { code: 'ROUND_TOO_LARGE', field: ['input', 'kitTemplate'], message: `La ronda planea más de 2,147,483,647 piezas de ${PARA} en un almacén: divídala por entidad o por rutas.` },
    ]);
    expect(await counts()).toBe(before);
  });

  test('a list of rounds with every figure costs the same SQL for one round as for all', async () => {
    const Q = (month: string) => `{ distributionRounds${month} { number units kits routeCodes kitTemplate { code } claves { clave } routes { code } skipped { clues } } }`;
    const all = await api.gql(Q(''), {}, central);
    expect(all.data.distributionRounds.length).toBeGreaterThanOrEqual(4);
    const one = await api.countSql(() => api.gql(Q(`(month: "${M1}")`), {}, central));
    const many = await api.countSql(() => api.gql(Q(''), {}, central));
    expect(many).toBe(one);
  });
});
