import { EntityManager } from 'typeorm';
import { keyClaimedAt } from '../../db/idempotency';
import { MutationMeta, runMutation } from '../../db/mutation';
import { normalizeClues } from '../../domain/clues';
import { businessDay } from '../../domain/dates';
import { Context, viewerOf } from '../../base/context';
import { ErrorCode, forbidden, gather, throwIfAny, UserError, userError } from '../../base/errors';
import { Connection, PageArgs, pageRequest, paginate } from '../../base/relay';
import { backdatedWarning, lotExpiresSoonWarning } from '../../base/warnings';
import { requireEstablishment } from '../registry/registry.queries';
import { itemLots, lockItemLots, MovementDraft, WRITE_TIME, writeMovements } from '../stock/ledger';
import { takeOut } from '../stock/stock.lots';
import { MovementKind } from '../stock/stock.types';
import { isDispatcher, lockedOrder, requireStatus } from './order.scope';
import { afterOrderChange, shipmentByNumber, shipmentsWhere } from './order.queries';
import { Order, OrderStatus, Shipment } from './order.types';
import { ShipmentDispatchInput, ShipmentDispatchSchema, ShipmentFilter } from './shipment.inputs';
import { DispatchShortfall, ShipmentResult } from './shipment.types';
import { PickList, pickList, planFromAvailable } from './pick-list';

/** Shipments (remisiones): dispatching against an approved order, and the shipments a caller may see. */

// ---------------------------------------------------------------------------------------------
// shipmentDispatch

/**
 * Sends pieces from the supplying warehouse: FEFO unless a lot is named, never more than the
 * approved remainder nor the usable stock. Without lines (or with `fromAvailable`), the approved
 * remainder of every line as far as usable stock allows, and `leftBehind` says what stayed and why.
 * The order row is locked first, so two dispatches against one order take turns; the stock rows are
 * locked by the ledger as for any other withdrawal.
 */
export async function dispatch(ctx: Context, raw: ShipmentDispatchInput): Promise<ShipmentResult> {
  return runMutation(
    ctx,
    {
      operation: 'shipmentDispatch',
      schema: ShipmentDispatchSchema,
      raw,
      idempotencyKey: (input) => input.idempotencyKey,
      locate: (em, input, { viewer }) => lockedOrder(em, viewer, input.orderNumber, (o) => isDispatcher(viewer, o)),
    },
    async (em, input, meta, order) => {
      const number = await dispatchLocked(em, meta, order, input);
      return dispatched((await shipmentByNumber(em, number))!, input, await keyClaimedAt(em, meta.actor, meta.idempotencyKey));
    },
    async (em, input, meta) =>
      dispatched(
        (await shipmentsWhere(em, 'sh.dispatched_by = $1 AND sh.idempotency_key = $2', [meta.actor, meta.idempotencyKey]))[0],
        input,
        await keyClaimedAt(em, meta.actor, meta.idempotencyKey),
      ),
  );
}

/**
 * The dispatch itself, on an order already locked and in the caller's scope: FEFO takes from the
 * supplying CLUES's locked balances, the shipment and its lines, the order's dispatched pieces, the
 * ledger's movements (under `meta`'s key) and the order's status and fill. Returns the shipment's number.
 * shipmentDispatch runs it for one order; routeDispatch (distribution) for each stop of a route, in one
 * transaction.
 */
export async function dispatchLocked(
  em: EntityManager,
  meta: MutationMeta<string>,
  order: Order,
  input: { lines?: Array<{ clave: string; quantity: number; lotNumber?: string | null }> | null; dispatchedAt?: Date | null },
): Promise<string> {
  requireStatus(order, [OrderStatus.APPROVED, OrderStatus.PARTIALLY_FULFILLED], ['orderNumber']);
  const errors: UserError[] = [];
  if (order.approvedAt && input.dispatchedAt && input.dispatchedAt.getTime() < new Date(order.approvedAt).getTime()) {
    errors.push(userError(ErrorCode.INCONSISTENT, ['dispatchedAt'], `La orden ${order.number} se aprobó el ${new Date(order.approvedAt).toISOString()}; no pudo enviarse antes.`));
  }
  const supplying = await requireEstablishment(em, order.supplyingClues!, ['orderNumber']);
  const now = input.dispatchedAt ?? null;
  const day = businessDay(now ?? undefined);
  const planned = input.lines ? { lines: checkedLines(order, input.lines, errors), leftBehind: null } : await fromAvailable(em, order, supplying.id, day, errors);
  const drafts = await gather(errors, () =>
    takeOut(em, supplying.id, planned.lines, day, (line, lot, quantity): MovementDraft => ({
      field: line.field,
      establishmentId: supplying.id,
      supplyItemId: lot.supplyItemId,
      lotId: lot.lotId,
      quantity: -quantity,
      kind: MovementKind.DISPATCH,
      document: order.number,
      occurredAt: now,
    })),
  );
  throwIfAny(errors);
  const [shipment] = await em.query(
    `INSERT INTO shipment (number, order_id, status, dispatched_at, dispatched_by, idempotency_key, left_behind)
     VALUES ('REM-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('shipment_number_seq')::text, 6, '0'),
             $1, 'IN_TRANSIT', coalesce($2::timestamptz, ${WRITE_TIME}), $3, $4, $5::jsonb) RETURNING id, number`,
    [order.pk, now?.toISOString() ?? null, meta.actor, meta.idempotencyKey, planned.leftBehind && JSON.stringify(planned.leftBehind)],
  );
  // One shipment line per lot (FEFO may split a line over lots, or two lines meet on one lot).
  const perLot = new Map<number, { item: number; qty: number }>();
  for (const d of drafts!) perLot.set(d.lotId, { item: d.supplyItemId, qty: (perLot.get(d.lotId)?.qty ?? 0) - d.quantity });
  const lots = [...perLot.entries()];
  await em.query(
    `INSERT INTO shipment_line (shipment_id, line, supply_item_id, lot_id, quantity) SELECT $1, * FROM unnest($2::smallint[], $3::int[], $4::int[], $5::int[])`,
    [shipment.id, lots.map((_, i) => i + 1), lots.map(([, v]) => v.item), lots.map(([lot]) => lot), lots.map(([, v]) => v.qty)],
  );
  await em.query(
    `UPDATE supply_order_line l SET dispatched = l.dispatched + d.qty
       FROM (SELECT supply_item_id, sum(quantity) AS qty FROM shipment_line WHERE shipment_id = $2 GROUP BY 1) d
      WHERE l.order_id = $1 AND l.supply_item_id = d.supply_item_id`,
    [order.pk, shipment.id],
  );
  await writeMovements(em, meta, drafts!);
  await afterOrderChange(em, order.pk);
  return shipment.number;
}

/**
 * The dispatch's answer, the same on a replay: what stayed behind, and the warnings — a back-dated
 * dispatch, and every lot shipped with fewer than 90 days left (FEFO sends those first, so the unit
 * should know to use them first; a lot that expires on the road will have to be rejected on arrival).
 */
const dispatched = (shipment: Shipment, input: { dispatchedAt: Date | null }, recordedAt: Date): ShipmentResult => {
  const day = businessDay(input.dispatchedAt ?? recordedAt);
  return {
    shipment,
    leftBehind: shipment.leftBehind ?? [],
    warnings: [
      ...backdatedWarning(['dispatchedAt'], input.dispatchedAt, recordedAt),
      ...shipment.lines.flatMap((l) => lotExpiresSoonWarning(['lines'], l, day)),
    ],
  };
};

type PlannedLine = { clave: string; quantity: number; lotNumber?: string | null; field: Array<string | number> };

/** Typed lines: each clave on the order, never more (over all its lines) than its approved remainder. */
function checkedLines(order: Order, lines: Array<{ clave: string; quantity: number; lotNumber?: string | null }>, errors: UserError[]): PlannedLine[] {
  const asked = new Map<string, number>();
  const planned: PlannedLine[] = [];
  lines.forEach((l, i) => {
    const line = order.lines.find((x) => x.clave === l.clave);
    if (!line) return errors.push(userError('NOT_ON_ORDER', ['lines', i, 'clave'], `La clave ${l.clave} no está en la orden ${order.number}.`));
    const total = (asked.get(l.clave) ?? 0) + l.quantity;
    asked.set(l.clave, total);
    if (total > line.remaining) {
      errors.push(userError('EXCEEDS_APPROVED_REMAINDER', ['lines', i, 'quantity'], `Quedan ${line.remaining} piezas aprobadas por enviar de ${l.clave}; se piden ${total}.`));
    }
    // Lines with a problem are still planned against the stock: their stock problems are reported too.
    planned.push({ ...l, field: ['lines', i] });
  });
  return planned;
}

/**
 * The pending pieces of every line (approved − dispatched) as far as the usable stock allows, lot by
 * lot as `planFromAvailable` plans them (the pick list's rule) on the balances locked here, and what
 * stays behind: per clave, with its reason. Each planned lot goes to `takeOut` by its number.
 */
async function fromAvailable(
  em: EntityManager,
  order: Order,
  supplyingId: number,
  day: string,
  errors: UserError[],
): Promise<{ lines: PlannedLine[]; leftBehind: DispatchShortfall[] }> {
  const lots = await lockItemLots(em, supplyingId, order.lines.filter((l) => l.pending > 0).map((l) => l.supplyItemId));
  const plan = planFromAvailable(order.lines, lots, day);
  const lines = plan.picks.map((p): PlannedLine => ({ clave: p.clave, quantity: p.quantity, lotNumber: p.lot.lotNumber, field: ['fromAvailable'] }));
  if (!plan.anyPending) {
    errors.push(userError('NOTHING_TO_DISPATCH', ['orderNumber'], `La orden ${order.number} no tiene piezas aprobadas pendientes de envío.`));
  } else if (!lines.length) {
    errors.push(
      userError('NOTHING_TO_DISPATCH', ['fromAvailable'], `No hay existencia utilizable de ninguna clave pendiente de la orden ${order.number} (${plan.leftBehind.map((s) => s.clave).join(', ')}): no se envía nada.`),
    );
  }
  return { lines, leftBehind: plan.leftBehind };
}

/**
 * The pick list of an order (Order.pickList): what "send what is available" would take now, by the
 * same plan, on the supplying warehouse's balances as they stand (not locked). Null when no warehouse
 * supplies the order (a purchase) or the caller's scope does not cover it; empty when the order is not
 * approved or partially fulfilled (nothing may be dispatched against it).
 */
export async function orderPickList(ctx: Context, order: Order): Promise<PickList | null> {
  if (order.supplyingId == null || order.supplyingClues == null || !viewerOf(ctx).covers(order.supplyingClues)) return null;
  const day = businessDay();
  if (order.status !== OrderStatus.APPROVED && order.status !== OrderStatus.PARTIALLY_FULFILLED) return pickList({ picks: [], leftBehind: [], anyPending: false }, day);
  const ids = order.lines.filter((l) => l.pending > 0).map((l) => l.supplyItemId);
  const lots = ids.length ? await itemLots(ctx.db, order.supplyingId, ids, false) : [];
  return pickList(planFromAvailable(order.lines, lots, day), day);
}

// ---------------------------------------------------------------------------------------------
// Reads

export async function shipmentFor(ctx: Context, number: string): Promise<Shipment | null> {
  const viewer = viewerOf(ctx);
  const shipment = await shipmentByNumber(ctx.db, number.trim());
  if (!shipment) {
    if (!viewer.national) throw forbidden();
    return null;
  }
  if (!viewer.covers(shipment.fromClues) && !viewer.covers(shipment.toClues)) throw forbidden();
  return shipment;
}

/**
 * Shipments in number order, in the caller's scope as orders are (src/modules/orders/order.service.ts
 * `listOrders`): national roles all; a state coordinator those leaving from or going to its state; a
 * warehouse or unit those leaving from or going to its CLUES. Lines are left to the loader.
 */
export function listShipments(ctx: Context, filter: ShipmentFilter | null | undefined, page: PageArgs): Promise<Connection<Shipment>> {
  const v = viewerOf(ctx);
  const f = filter ?? {};
  const params: unknown[] = [
    f.statuses ?? null,
    f.toClues ? normalizeClues(f.toClues) : null,
    f.fromClues ? normalizeClues(f.fromClues) : null,
    f.orderNumber?.trim() ?? null,
    v.national ? null : v.stateCode,
    v.national ? null : v.clues,
  ];
  const where = `($1::text[] IS NULL OR sh.status = ANY ($1)) AND ($2::text IS NULL OR t.clues = $2) AND ($3::text IS NULL OR f.clues = $3)
    AND ($4::text IS NULL OR o.number = $4)
    AND (($5::text IS NULL AND $6::text IS NULL) OR t.state_code = $5 OR f.state_code = $5 OR t.clues = $6 OR f.clues = $6)`;
  return paginate(
    pageRequest<string>(page),
    (after, limit) =>
      shipmentsWhere(ctx.db, `${where} AND ($7::text IS NULL OR sh.number > $7)`, [...params, after ?? null, limit], { withLines: false, order: 'sh.number LIMIT $8' }),
    (s) => s.number,
    async () => {
      const [{ n }] = await ctx.db.query(
        `SELECT count(*)::int AS n FROM shipment sh JOIN supply_order o ON o.id = sh.order_id
           JOIN establishment f ON f.id = o.supplying_id JOIN establishment t ON t.id = o.requesting_id WHERE ${where}`,
        params,
      );
      return n;
    },
  );
}
