import { Client, CombinedError, fetchExchange, mapExchange, OperationResult } from '@urql/core';
import { offlineExchange } from '@urql/exchange-graphcache';
import { makeDefaultStorage } from '@urql/exchange-graphcache/default-storage';
import type { Cache } from '@urql/exchange-graphcache';

/**
 * The GraphQL client: urql with Graphcache, normalised by `id` (every Node and StockLevel has one).
 * Graphcache's offlineExchange keeps the cache and the queue of mutations made offline in IndexedDB
 * and replays them when the browser is back online (also after a reload). This file adds only what the
 * library does not show: when each read came from the server, and a list of the writes the user made
 * (pending, sent, refused with the server's message), keyed by the idempotency key each write carries.
 */

export const TOKEN_KEY = 'abasto.token';
const OUTBOX_KEY = 'abasto.outbox';
const READ_KEY = 'abasto.readAt';

export type WriteStatus = 'pending' | 'done' | 'failed';
export interface Write {
  key: string;
  field: string;
  label: string;
  /** the document it is about (a shipment number, a folio), so a screen can mark it */
  ref?: string;
  status: WriteStatus;
  at: number;
  messages: string[];
  warnings: string[];
  /** what the server made of it, in a line (the fill of a prescription) */
  detail?: string;
}

type Listener = () => void;
const listeners = new Set<Listener>();
export function subscribe(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const notify = () => listeners.forEach((fn) => fn());

function load<T>(key: string, fallback: T): T {
  try {
    return JSON.parse(localStorage.getItem(key) ?? '') as T;
  } catch {
    return fallback;
  }
}

export function writes(): Write[] {
  return load<Write[]>(OUTBOX_KEY, []);
}
function saveWrites(list: Write[]) {
  // the last 50 are enough to show what happened today
  localStorage.setItem(OUTBOX_KEY, JSON.stringify(list.slice(-50)));
  notify();
}
export function recordWrite(w: Omit<Write, 'status' | 'at' | 'messages' | 'warnings'>) {
  saveWrites([...writes().filter((x) => x.key !== w.key), { ...w, status: 'pending', at: Date.now(), messages: [], warnings: [] }]);
}
export function forgetWrite(key: string) {
  saveWrites(writes().filter((x) => x.key !== key));
}

function settle(result: OperationResult) {
  const key = (result.operation.variables as { input?: { idempotencyKey?: string } })?.input?.idempotencyKey;
  if (!key) return;
  const list = writes();
  const w = list.find((x) => x.key === key);
  if (!w) return;
  const payload = (result.data as Record<string, any> | undefined)?.[w.field];
  const errors: string[] = [
    ...(result.error ? [errorMessage(result.error)] : []),
    ...((payload?.userErrors ?? []) as Array<{ message: string }>).map((e) => e.message),
  ];
  w.status = errors.length ? 'failed' : 'done';
  w.messages = errors;
  w.warnings = ((payload?.userWarnings ?? []) as Array<{ message: string }>).map((e) => e.message);
  w.detail = describe(payload);
  w.at = Date.now();
  saveWrites(list);
}

const FILL: Record<string, string> = { COMPLETE: 'surtida completa', PARTIAL: 'surtida parcialmente', NOT_FILLED: 'no surtida' };
function describe(payload: any): string | undefined {
  const r = payload?.receipt;
  if (r?.lines?.length) {
    const lots = (r.lines as Array<{ clave: string; lotNumber: string; acceptedQuantity: number }>).map((l) => `${l.clave} lote ${l.lotNumber}: ${l.acceptedQuantity} piezas`);
    return `Entrada${r.orderNumber ? ` contra la orden ${r.orderNumber}` : ''}${r.supplierDocument ? `, documento ${r.supplierDocument}` : ''} — ${lots.join('; ')}`;
  }
  const p = payload?.prescription;
  if (!p?.fill) return undefined;
  const lines = (p.lines as Array<{ clave: string; prescribed: number; dispensed: number; lots?: Array<{ lotNumber: string; quantity: number }> }>).map(
    (l) => `${l.clave}: ${l.dispensed} de ${l.prescribed}${l.lots?.length ? ` (lote${l.lots.length > 1 ? 's' : ''} ${l.lots.map((x) => `${x.lotNumber}: ${x.quantity}`).join(', ')})` : ''}`,
  );
  return `Receta ${p.folio} ${FILL[p.fill] ?? p.fill} — ${lines.join('; ')}`;
}

export function readAt(operationKey: number): number | undefined {
  return load<Record<string, number>>(READ_KEY, {})[operationKey];
}
function markRead(result: OperationResult) {
  if (result.operation.kind !== 'query' || result.error) return;
  const map = load<Record<string, number>>(READ_KEY, {});
  map[result.operation.key] = Date.now();
  const keys = Object.keys(map);
  if (keys.length > 200) delete map[keys[0]];
  localStorage.setItem(READ_KEY, JSON.stringify(map));
}

export function errorMessage(error: CombinedError): string {
  if (error.response?.status === 401) return 'Su sesión venció o el token no es válido. Vuelva a entrar.';
  if (error.networkError) return 'No hay conexión con el servidor. Revise la red e intente de nuevo.';
  return error.graphQLErrors.map((e) => e.message).join(' ') || error.message;
}

/** Invalidates every cached page of a root list, so the screens that show it read it again. */
function invalidateRoot(cache: Cache, ...names: string[]) {
  for (const f of cache.inspectFields('Query')) if (names.includes(f.fieldName)) cache.invalidate('Query', f.fieldKey);
}

/** A write made offline shows at once as a local entity keyed by its idempotency key (Graphcache queues only optimistic mutations). */
const localEntity = (typename: string) => (args: any) => ({ __typename: typename, id: `local:${args.input.idempotencyKey}` });

export interface Session {
  client: Client;
  /** Salir: forget this user's cached reads, queued writes and their list on this computer. */
  forget(): Promise<void>;
}

export function createClient(onUnauthorized: () => void): Session {
  const storage = makeDefaultStorage({ idbName: 'abasto-app', maxAge: 14 });
  const cache = offlineExchange({
    storage,
    keys: {
      Viewer: () => null,
      PageInfo: () => null,
      LotLevel: () => null,
      ShipmentLine: () => null,
      PrescriptionLine: () => null,
      UserError: () => null,
      UserWarning: () => null,
      DispatchShortfall: () => null,
      StockLevelConnection: () => null,
      StockLevelEdge: () => null,
      ShipmentConnection: () => null,
      ShipmentEdge: () => null,
      PrescriptionPayload: () => null,
      ShipmentPayload: () => null,
      StockMovementsPayload: () => null,
      StockReceivePayload: () => null,
      ReceiptLine: () => null,
      SupplyItemGtinLinkPayload: () => null,
      HeldLot: () => null,
      LotRecallNotice: () => null,
      DistributionRoundSkip: () => null,
    },
    optimistic: {
      prescriptionDispense: (args) => ({ __typename: 'PrescriptionPayload', prescription: localEntity('Prescription')(args), userErrors: [] }),
      stockConsume: (args) => ({ __typename: 'StockMovementsPayload', movements: [localEntity('StockMovement')(args)], stockLevels: [], userErrors: [], userWarnings: [] }),
      shipmentReceive: (args) => ({ __typename: 'ShipmentPayload', shipment: localEntity('Shipment')(args), leftBehind: [], userErrors: [], userWarnings: [] }),
      stockReceive: (args) => ({ __typename: 'StockReceivePayload', receipt: localEntity('Receipt')(args), movements: [], stockLevels: [], userErrors: [], userWarnings: [] }),
    },
    updates: {
      Mutation: {
        prescriptionDispense: (_r, _a, c) => invalidateRoot(c, 'stockLevels'),
        stockConsume: (_r, _a, c) => invalidateRoot(c, 'stockLevels'),
        shipmentReceive: (_r, _a, c) => invalidateRoot(c, 'stockLevels', 'shipments', 'heldLots'),
        stockReceive: (_r, _a, c) => invalidateRoot(c, 'stockLevels', 'orders', 'heldLots'),
        orderCreate: (_r, _a, c) => invalidateRoot(c, 'orders', 'suggestedOrder'),
        orderUpdate: (_r, _a, c) => invalidateRoot(c, 'orders', 'suggestedOrder'),
        orderSubmit: (_r, _a, c) => invalidateRoot(c, 'orders', 'suggestedOrder'),
      },
    },
  });
  const client = new Client({
    url: '/graphql',
    // POST only: the server's CSRF prevention refuses simple GET requests
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` } }),
    exchanges: [
      mapExchange({
        onResult(result) {
          if (result.operation.kind === 'mutation') settle(result);
          if (result.error?.response?.status === 401) onUnauthorized();
        },
      }),
      cache,
      // below the cache: only answers that came from the server
      mapExchange({ onResult: markRead }),
      fetchExchange,
    ],
  });
  return {
    client,
    async forget() {
      localStorage.removeItem(OUTBOX_KEY);
      localStorage.removeItem(READ_KEY);
      await storage.clear();
    },
  };
}
