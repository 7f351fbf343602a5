import { businessDay } from '../../src/domain/dates';
import { Role } from '../../src/domain/enums';
import { startTestApi, TestApi } from '../support/api';
import { codes, mutation, ok, send } from '../support/clerk';
import { TestDatabase } from '../support/database';
import { CLAVES } from '../support/network';
import { startNetworkApi, stopNetworkApi } from '../support/setup';

/**
 * Spanish throughout (issue 17): statuses inside messages read in Spanish, values the schema refuses are
 * explained in Spanish (the Date and DateTime scalars, integers, enums, missing fields), and stack traces
 * reach a client only when the configuration asks for them (DEBUG_ERRORS=true).
 */
let tdb: TestDatabase;
let api: TestApi;
const { paracetamol: PARA } = CLAVES;
const YEAR = Number(businessDay().slice(0, 4));
const T: Record<string, string> = {};
/** An enum value of ours written inside a Spanish message. */
const ENUM_WORD = /\b(DRAFT|SUBMITTED|APPROVED|PARTIALLY_FULFILLED|FULFILLED|CLOSED|CANCELLED|PROPOSED|RATIFIED|RETURNED)\b/;

beforeAll(async () => {
  ({ tdb, api } = await startNetworkApi());
  T.tixtla = await api.token(Role.PHARMACY, { clues: 'GRSSA000001' });
  T.warehouse = await api.token(Role.WAREHOUSE, { clues: 'GRSSA000010' });
  T.central = await api.token(Role.CENTRAL);
}, 60_000);
afterAll(() => stopNetworkApi(api, tdb));

describe('statuses in messages', () => {
  test('an order’s status, and the one the action needs, in Spanish', async () => {
    const { order } = await ok(api, mutation('orderCreate', 'OrderCreateInput', 'order { number }'), { idempotencyKey: 'o', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 5 }] }, T.tixtla);
    await ok(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order.number }, T.tixtla);
    const again = await send(api, mutation('orderSubmit', 'OrderNumberInput', 'order { status }'), { number: order.number }, T.tixtla);
    expect(codes(again)).toEqual([['INVALID_STATUS', 'number']]);
    expect(again.userErrors[0].message).toBe(`La orden ${order.number} está enviada; esta acción requiere que esté en borrador.`);
    const close = await send(api, mutation('orderClose', 'OrderEndInput', 'order { status }'), { number: order.number, reason: 'x' }, T.central);
    expect(close.userErrors[0].message).toBe(`La orden ${order.number} está enviada; esta acción requiere que esté aprobada o parcialmente surtida.`);
  });

  test('a purchase order received before approval', async () => {
    const { order } = await ok(api, mutation('orderCreate', 'OrderCreateInput', 'order { number }'), { idempotencyKey: 'oc', kind: 'PURCHASE', requestingClues: 'GRSSA000010', supplier: 'Distribuidora del Sur', lines: [{ clave: PARA, quantity: 5 }] }, T.central);
    const p = await send(api, mutation('stockReceive', 'StockReceiveInput', 'receipt { id }'), { idempotencyKey: 'in', clues: 'GRSSA000010', orderNumber: order.number, lines: [{ clave: PARA, lotNumber: 'L', expiresOn: `${YEAR + 2}-01-31`, acceptedQuantity: 5 }] }, T.warehouse);
    expect(p.userErrors.map((e: any) => [e.code, e.message])).toEqual([
      ['INVALID_STATUS', `La orden ${order.number} está en borrador: solo se recibe contra una orden aprobada o parcialmente surtida.`],
    ]);
  });

  test('a CPM submission’s status', async () => {
    await api.mutate(T.central, 'cpmSubmissionPropose', 'CpmSubmissionKeyInput', { clues: 'GRSSA000001', year: YEAR });
    await api.mutate(T.central, 'cpmSubmissionUpdate', 'CpmSubmissionUpdateInput', { clues: 'GRSSA000001', year: YEAR, lines: [{ clave: PARA, cpm: 10, justification: 'consumo observado' }] });
    await api.mutate(T.central, 'cpmSubmissionRatify', 'CpmSubmissionKeyInput', { clues: 'GRSSA000001', year: YEAR });
    const r = await send(api, mutation('cpmSubmissionRatify', 'CpmSubmissionKeyInput', 'submission { status }'), { clues: 'GRSSA000001', year: YEAR }, T.central);
    expect(r.userErrors[0].message).toBe('Solo se ratifica una propuesta; esta está ratificada.');
    expect(r.userErrors[0].message).not.toMatch(ENUM_WORD);
  });
});

test('kinds of supply and adjustment reasons in messages, in Spanish', async () => {
  const item = await send(api, mutation('supplyItemUpsert', 'SupplyItemUpsertInput', 'supplyItem { clave }'), { clave: '060.066.0099.00', description: 'Venda elástica', kind: 'MEDICINE' }, T.central);
  expect(item.userErrors.map((e: any) => e.message)).toEqual(['El grupo 060 de la clave corresponde a material de curación, no a medicamento.']);
  const adjust = await send(api, mutation('stockAdjust', 'StockAdjustInput', 'movements { id }'), { idempotencyKey: 'a', clues: 'GRSSA000010', clave: PARA, lotNumber: 'L', quantity: 5, reason: 'DAMAGE' }, T.warehouse);
  expect(adjust.userErrors.map((e: any) => e.message)).toEqual(['Un ajuste por daño resta piezas: revise el signo.']);
});

describe('values the schema refuses', () => {
  const CREATE = 'mutation($i: OrderCreateInput!) { orderCreate(input: $i) { userErrors { code } } }';
  const RECEIVE = 'mutation($i: StockReceiveInput!) { stockReceive(input: $i) { userErrors { code } } }';
  const base = { idempotencyKey: 'k', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', lines: [{ clave: PARA, quantity: 1 }] };
  const line = { clave: PARA, lotNumber: 'L', acceptedQuantity: 1 };
  const refused = async (query: string, i: unknown) => {
    const r = await api.gql(query, { i }, T.warehouse);
    expect(r.status).toBe(400);
    expect(r.errors).toHaveLength(1);
    return [r.errors![0].extensions?.code, r.errors![0].message];
  };

  test.each([
    ['an impossible Date', CREATE, { ...base, promisedOn: '2024-02-30' }, 'Valor inválido en i.promisedOn (variable $i): Fecha inválida: se espera un día AAAA-MM-DD entre 1900 y 2999; recibido "2024-02-30".'],
    [
      'a DateTime that is not one',
      RECEIVE,
      { idempotencyKey: 'k', clues: 'GRSSA000010', receivedAt: 'ayer', lines: [line] },
      'Valor inválido en i.receivedAt (variable $i): Fecha y hora inválidas: se espera ISO 8601 con zona horaria, p. ej. 2025-11-23T09:40:00-06:00 o 2025-11-23T15:40:00Z; recibido "ayer".',
    ],
    ['pieces that are not whole', RECEIVE, { idempotencyKey: 'k', clues: 'GRSSA000010', lines: [{ ...line, acceptedQuantity: 1.5 }] }, 'Valor inválido en i.lines[0].acceptedQuantity (variable $i): se espera un número entero; recibido 1.5.'],
    ['a reason that is not one', RECEIVE, { idempotencyKey: 'k', clues: 'GRSSA000010', lines: [{ ...line, rejectedQuantity: 1, rejectionReason: 'ROTO' }] }, 'Valor inválido en i.lines[0].rejectionReason (variable $i): el valor "ROTO" no es uno de los de RejectionReason.'],
    ['a missing field', RECEIVE, { idempotencyKey: 'k', clues: 'GRSSA000010', lines: [{ clave: PARA, lotNumber: 'L' }] }, 'Valor inválido en i.lines[0] (variable $i): falta el campo obligatorio acceptedQuantity (Int!).'],
  ])('%s', async (_what, query, input, message) => {
    expect(await refused(query, input)).toEqual(['BAD_USER_INPUT', message]);
  });

  test('a Date written in the document, and a list read by the compiled executor', async () => {
    const literal = await api.gql(`mutation { orderCreate(input: { idempotencyKey: "k", kind: REPLENISHMENT, requestingClues: "GRSSA000001", promisedOn: "2024-13-01" }) { userErrors { code } } }`, {}, T.tixtla);
    expect(literal.errors![0].message).toBe('Fecha inválida: se espera un día AAAA-MM-DD entre 1900 y 2999; recibido "2024-13-01".');
    const list = await api.gql('query($f: ShipmentFilter) { shipments(filter: $f) { totalCount } }', { f: { statuses: ['PERDIDO'] } }, T.tixtla);
    expect(list.errors![0].message).toBe('Valor inválido en f.statuses[0] (variable $f): el valor "PERDIDO" no es uno de los de ShipmentStatus.');
  });
});

describe('stack traces only when the configuration asks', () => {
  const BAD = 'mutation($i: OrderCreateInput!) { orderCreate(input: $i) { userErrors { code } } }';
  const bad = { idempotencyKey: 'k', kind: 'REPLENISHMENT', requestingClues: 'GRSSA000001', promisedOn: '2024-02-30' };

  test.each([
    ['test mode', {}, false],
    ['development mode', { NODE_ENV: 'development' }, false],
    ['development mode with DEBUG_ERRORS=true', { NODE_ENV: 'development', DEBUG_ERRORS: 'true' }, true],
    ['production mode with DEBUG_ERRORS=false', { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-some-length', DEBUG_ERRORS: 'false' }, false],
  ])('%s', async (_mode, env, traced) => {
    const other = await startTestApi(tdb.db, env);
    try {
      const token = await other.token(Role.PHARMACY, { clues: 'GRSSA000001' });
      const r = await other.gql(BAD, { i: bad }, token);
      expect(r.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
      expect('stacktrace' in (r.errors![0].extensions ?? {})).toBe(traced);
    } finally {
      await other.stop();
    }
  });
});
