import { EntityManager } from 'typeorm';
import { z } from 'zod';
import { claimIdempotencyKey } from '../../db/idempotency';
import { inTransaction } from '../../db/transaction';
import { normalizeClues, stateOfClues } from '../../domain/clues';
import { businessDay } from '../../domain/dates';
import { Role, WarehouseTier } from '../../domain/enums';
import { isUsableOn, shortfall } from '../../domain/stock';
import { Viewer } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, ErrorCode, fail, forbidden, UserError, userError, UserInputError } from '../../base/errors';
import { isCalendarDate } from '../../base/scalars';
import { businessInstant, claveField, cluesField, lotNumberField, parseInput, text } from '../../base/validation';
import { requireEstablishment } from '../registry/registry.queries';
import { MovementDraft, WRITE_TIME, writeMovements } from '../stock/ledger';
import { takeOut } from '../stock/stock.service';
import { MovementKind, RejectionReason } from '../stock/stock.types';
import { checkOrderAgainstContract } from '../procurement/contract.service';
import { afterOrderChange, orderByNumber, ordersWhere, shipmentByNumber, shipmentsWhere } from './order.queries';
import {
  Order,
  OrderApproveInput,
  OrderCreateInput,
  OrderEndInput,
  OrderKind,
  OrderNumberInput,
  OrderStatus,
  Shipment,
  ShipmentDispatchInput,
  ShipmentReceiveInput,
  SuggestedOrderLine,
} from './order.types';

const key = z.string().trim().min(1).max(200);
const pieces = z.number().int().min(1).max(100_000_000);

/**
 * Who may act for an order's requesting side: the CLUES's own user; its state's coordinator, for a
 * replenishment of an establishment that is not a CENTRAL warehouse (those belong to the national level
 * wherever they stand); a national role.
 */
function isRequester(v: Viewer, o: { kind: OrderKind; requestingClues: string; requestingTier: WarehouseTier | null }): boolean {
  switch (v.role) {
    case Role.PHARMACY:
    case Role.WAREHOUSE:
      return v.covers(o.requestingClues);
    case Role.STATE_COORDINATOR:
      return o.kind === OrderKind.REPLENISHMENT && o.requestingTier !== WarehouseTier.CENTRAL && v.covers(o.requestingClues);
    default:
      return v.role === Role.ADMIN || v.role === Role.CENTRAL;
  }
}

/**
 * National roles approve any order; a state coordinator the replenishment orders of its state's units
 * that its state's warehouses or a CENTRAL one supply — never an order against another state's stock.
 */
function isApprover(v: Viewer, o: OrderParties): boolean {
  if (v.role === Role.ADMIN || v.role === Role.CENTRAL) return true;
  return (
    o.kind === OrderKind.REPLENISHMENT &&
    v.role === Role.STATE_COORDINATOR &&
    v.covers(o.requestingClues) &&
    o.supplyingClues !== null &&
    (v.covers(o.supplyingClues) || o.supplyingTier === WarehouseTier.CENTRAL)
  );
}

function canRead(v: Viewer, o: { requestingClues: string; supplyingClues: string | null }): boolean {
  return v.covers(o.requestingClues) || (o.supplyingClues !== null && v.covers(o.supplyingClues));
}

/** Who an order is between: what the scope checks need, read before the order is locked. */
interface OrderParties {
  kind: OrderKind;
  requestingClues: string;
  requestingTier: WarehouseTier | null;
  supplyingClues: string | null;
  supplyingTier: WarehouseTier | null;
}

/**
 * An order the caller may act on, locked for the transition. The scope is checked first, on an
 * unlocked read of the order's parties: an order of another CLUES and a number that does not exist
 * get the same FORBIDDEN after the same one statement, and an out-of-scope caller never takes (or
 * waits for) the order's lock. National callers are told UNKNOWN_ORDER.
 */
async function lockedOrder(em: EntityManager, viewer: Viewer, number: string, allowed: (o: Order & OrderParties) => boolean): Promise<Order> {
  const [parties]: Array<OrderParties & { id: number }> = await em.query(
    `SELECT o.id, o.kind, r.clues AS "requestingClues", rw.tier AS "requestingTier", s.clues AS "supplyingClues", w.tier AS "supplyingTier"
       FROM supply_order o JOIN establishment r ON r.id = o.requesting_id LEFT JOIN warehouse rw ON rw.establishment_id = o.requesting_id
       LEFT JOIN establishment s ON s.id = o.supplying_id LEFT JOIN warehouse w ON w.establishment_id = o.supplying_id
      WHERE o.number = $1`,
    [number.trim()],
  );
  if (!viewer.national && !(parties && canRead(viewer, parties))) throw forbidden();
  if (!parties) fail('UNKNOWN_ORDER', ['number'], `No existe la orden ${number}.`);
  await em.query('SELECT 1 FROM supply_order WHERE id = $1 FOR UPDATE', [parties.id]);
  const [order] = await ordersWhere(em, 'o.id = $1', [parties.id]);
  if (!allowed(Object.assign(order, { requestingTier: parties.requestingTier, supplyingTier: parties.supplyingTier }))) throw forbidden();
  return order;
}

function requireStatus(order: Order, allowed: OrderStatus[], field: string[] = ['number']): void {
  if (!allowed.includes(order.status)) {
    fail('INVALID_STATUS', field, `La orden ${order.number} está ${order.status}; esta acción requiere ${allowed.join(' o ')}.`);
  }
}

// ---------------------------------------------------------------------------------------------

const createSchema = z.object({
  idempotencyKey: key,
  kind: z.nativeEnum(OrderKind),
  requestingClues: cluesField,
  supplyingClues: cluesField.nullish(),
  supplier: z.string().trim().min(1).max(200).nullish(),
  contractId: z.number().int().nullish(),
  promisedOn: z.string().refine(isCalendarDate, { params: { code: ErrorCode.INVALID_DATE }, message: 'Fecha inválida.' }).nullish(),
  lines: z.array(z.object({ clave: claveField, quantity: pieces })).max(1000).nullish(),
  fromSuggestion: z.boolean().nullish(),
});

export async function create(ctx: Context, raw: OrderCreateInput): Promise<Order> {
  const input = parseInput(createSchema, raw);
  const viewer = viewerOf(ctx);
  const purchase = input.kind === OrderKind.PURCHASE;
  // The CLUES prefix decides before anything is read; a coordinator's CENTRAL warehouse is refused once it is.
  if (purchase ? !viewer.national || viewer.role === Role.AUDITOR : !isRequester(viewer, { kind: input.kind, requestingClues: input.requestingClues, requestingTier: null })) {
    throw forbidden();
  }
  const errors: UserError[] = [];
  if (!input.fromSuggestion && !input.lines?.length) errors.push(userError(ErrorCode.REQUIRED, ['lines'], 'Indique las líneas o pida la sugerencia (fromSuggestion).'));
  if (input.fromSuggestion && input.lines?.length) errors.push(userError(ErrorCode.INCONSISTENT, ['lines'], 'Use líneas o fromSuggestion, no ambas.'));
  if (purchase && !input.supplier && input.contractId == null) errors.push(userError(ErrorCode.REQUIRED, ['supplier'], 'Una compra necesita proveedor (o un contrato).'));
  if (purchase && input.fromSuggestion) errors.push(userError(ErrorCode.INCONSISTENT, ['fromSuggestion'], 'La sugerencia es para reabasto.'));
  if (!purchase && (input.supplier || input.contractId)) errors.push(userError(ErrorCode.INCONSISTENT, ['supplier'], 'Un reabasto no tiene proveedor ni contrato.'));
  if (errors.length) throw new UserInputError(errors);

  return inTransaction(ctx.db, async (em) => {
    const requesting = await requireEstablishment(em, input.requestingClues, ['requestingClues']);
    const [tier] = await em.query('SELECT tier FROM warehouse WHERE establishment_id = $1', [requesting.id]);
    if (!isRequester(viewer, { kind: input.kind, requestingClues: input.requestingClues, requestingTier: tier?.tier ?? null })) throw forbidden();
    const claim = await claimIdempotencyKey(em, { key: input.idempotencyKey, operation: 'orderCreate', subject: viewer.subject, input: raw });
    if (claim === 'replay') {
      const [o] = await ordersWhere(em, 'o.created_by = $1 AND o.idempotency_key = $2', [viewer.subject, input.idempotencyKey]);
      return o;
    }
    const [{ supplying_id: supplyingId, is_warehouse: isWarehouse }] = await em.query(
      `SELECT (SELECT establishment_id FROM warehouse WHERE id = e.supplying_warehouse_id) AS supplying_id,
              EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = e.id) AS is_warehouse
         FROM establishment e WHERE e.id = $1`,
      [requesting.id],
    );
    let supplying: number | null = null;
    if (purchase) {
      if (!isWarehouse) fail(ErrorCode.NOT_A_WAREHOUSE, ['requestingClues'], 'Solo un almacén compra a proveedores.');
    } else {
      if (!supplyingId) fail('NO_SUPPLYING_WAREHOUSE', ['requestingClues'], `${input.requestingClues} no tiene almacén que lo abastezca.`);
      if (input.supplyingClues) {
        const given = await requireEstablishment(em, input.supplyingClues, ['supplyingClues']);
        if (given.id !== supplyingId) fail('NOT_SUPPLYING_WAREHOUSE', ['supplyingClues'], `${input.supplyingClues} no es el almacén que abastece a ${input.requestingClues}.`);
      }
      supplying = supplyingId;
    }

    const lines = input.fromSuggestion
      ? (await suggestedFor(ctx, em, requesting.id, isWarehouse)).filter((l) => l.quantity > 0).map((l) => ({ clave: l.clave, quantity: l.quantity }))
      : input.lines!;
    if (!lines.length) fail('NOTHING_TO_ORDER', ['fromSuggestion'], 'La sugerencia no tiene claves que pedir.');
    const items: Array<{ id: number; clave: string; levels: string[]; from_year: number | null; to_year: number | null }> = await em.query(
      `SELECT id, clave, authorized_levels AS levels, authorized_from_year AS from_year, authorized_to_year AS to_year FROM supply_item WHERE clave = ANY ($1::text[])`,
      [lines.map((l) => l.clave)],
    );
    const byClave = new Map(items.map((i) => [i.clave, i]));
    const year = Number(businessDay().slice(0, 4));
    const seen = new Set<string>();
    lines.forEach((l, i) => {
      const item = byClave.get(l.clave);
      if (seen.has(l.clave)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], `La clave ${l.clave} se repite.`));
      seen.add(l.clave);
      if (!item) return errors.push(userError(ErrorCode.UNKNOWN_CLAVE, ['lines', i, 'clave'], `No existe la clave ${l.clave}.`));
      const inYears = (item.from_year ?? 0) <= year && (item.to_year ?? 9999) >= year;
      if (!isWarehouse && (!requesting.careLevel || !item.levels.includes(requesting.careLevel) || !inYears)) {
        errors.push(userError('NOT_AUTHORIZED_FOR_LEVEL', ['lines', i, 'clave'], `La clave ${l.clave} no está autorizada para el nivel de atención de ${input.requestingClues}.`));
      }
    });
    if (errors.length) throw new UserInputError(errors);
    // Under a contract: its clave, its supplier, its state, in force, and never past its maximum.
    const supplier =
      input.contractId != null
        ? (await checkOrderAgainstContract(em, input.contractId, { supplier: input.supplier ?? null, requestingStateCode: stateOfClues(input.requestingClues)!.code, lines })).supplier
        : input.supplier ?? null;

    const prefix = purchase ? 'OC' : 'OS';
    const [order] = await em.query(
      `INSERT INTO supply_order (number, kind, status, requesting_id, supplying_id, supplier, contract_id, promised_on, created_by, idempotency_key)
       VALUES ($1 || '-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('order_number_seq')::text, 6, '0'),
               $2, 'DRAFT', $3, $4, $5, $6, $7, $8, $9) RETURNING id, number`,
      [prefix, input.kind, requesting.id, supplying, supplier, input.contractId ?? null, input.promisedOn ?? null, viewer.subject, input.idempotencyKey],
    );
    await em.query(
      `INSERT INTO supply_order_line (order_id, supply_item_id, requested) SELECT $1, * FROM unnest($2::int[], $3::int[])`,
      [order.id, lines.map((l) => byClave.get(l.clave)!.id), lines.map((l) => l.quantity)],
    );
    return (await orderByNumber(em, order.number))!;
  });
}

export async function submit(ctx: Context, raw: OrderNumberInput): Promise<Order> {
  const viewer = viewerOf(ctx);
  return inTransaction(ctx.db, async (em) => {
    const order = await lockedOrder(em, viewer, raw.number, (o) => isRequester(viewer, o));
    requireStatus(order, [OrderStatus.DRAFT]);
    await em.query(`UPDATE supply_order SET status = 'SUBMITTED', submitted_at = now() WHERE id = $1`, [order.pk]);
    return (await orderByNumber(em, order.number))!;
  });
}

const approveSchema = z.object({
  number: z.string().trim().min(1).max(40),
  lines: z.array(z.object({ clave: claveField, approvedQuantity: z.number().int().min(0).max(100_000_000) })).max(1000).nullish(),
});

/** Approves (emite) a submitted order, cutting quantities where asked; the rest as requested. */
export async function approve(ctx: Context, raw: OrderApproveInput): Promise<Order> {
  const input = parseInput(approveSchema, raw);
  const viewer = viewerOf(ctx);
  return inTransaction(ctx.db, async (em) => {
    const order = await lockedOrder(em, viewer, input.number, (o) => isApprover(viewer, o));
    requireStatus(order, [OrderStatus.SUBMITTED]);
    const errors: UserError[] = [];
    const cuts = new Map<number, number>();
    (input.lines ?? []).forEach((l, i) => {
      const line = order.lines.find((x) => x.clave === l.clave);
      if (!line) return errors.push(userError('NOT_ON_ORDER', ['lines', i, 'clave'], `La clave ${l.clave} no está en la orden.`));
      if (cuts.has(line.supplyItemId)) return errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], `La clave ${l.clave} se repite.`));
      if (l.approvedQuantity > line.requested) {
        errors.push(userError('EXCEEDS_REQUESTED', ['lines', i, 'approvedQuantity'], `Se pidieron ${line.requested} piezas de ${l.clave}; no se pueden aprobar ${l.approvedQuantity}.`));
      }
      cuts.set(line.supplyItemId, l.approvedQuantity);
    });
    if (errors.length) throw new UserInputError(errors);
    await em.query(
      `UPDATE supply_order_line l SET approved = coalesce(c.approved, l.requested)
         FROM supply_order_line x LEFT JOIN unnest($2::int[], $3::int[]) AS c(item, approved) ON c.item = x.supply_item_id
        WHERE l.order_id = $1 AND x.order_id = l.order_id AND x.supply_item_id = l.supply_item_id`,
      [order.pk, [...cuts.keys()], [...cuts.values()]],
    );
    await em.query(`UPDATE supply_order SET status = 'APPROVED', approved_at = now(), approved_by = $2 WHERE id = $1`, [order.pk, viewer.subject]);
    await afterOrderChange(em, order.pk);
    return (await orderByNumber(em, order.number))!;
  });
}

const endSchema = z.object({ number: z.string().trim().min(1).max(40), reason: text(500) });

/** Cancels an order nothing was sent against: the requester before approval, an approver at any time. */
export async function cancel(ctx: Context, raw: OrderEndInput): Promise<Order> {
  const input = parseInput(endSchema, raw);
  const viewer = viewerOf(ctx);
  return inTransaction(ctx.db, async (em) => {
    const order = await lockedOrder(em, viewer, input.number, (o) =>
      isApprover(viewer, o) || ((o.status === OrderStatus.DRAFT || o.status === OrderStatus.SUBMITTED) && isRequester(viewer, o)),
    );
    requireStatus(order, [OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.APPROVED]);
    if (order.lines.some((l) => l.dispatched > 0)) fail('ALREADY_DISPATCHED', ['number'], 'Ya se envió mercancía contra esta orden: ciérrela en lugar de cancelarla.');
    await em.query(`UPDATE supply_order SET status = 'CANCELLED', ended_at = now(), ended_by = $2, end_reason = $3 WHERE id = $1`, [order.pk, viewer.subject, input.reason]);
    await afterOrderChange(em, order.pk);
    return (await orderByNumber(em, order.number))!;
  });
}

/** Short-closes an approved order: what was not sent will not be. Refused while a shipment is on its way. */
export async function close(ctx: Context, raw: OrderEndInput): Promise<Order> {
  const input = parseInput(endSchema, raw);
  const viewer = viewerOf(ctx);
  return inTransaction(ctx.db, async (em) => {
    const order = await lockedOrder(em, viewer, input.number, (o) => isApprover(viewer, o));
    requireStatus(order, [OrderStatus.APPROVED, OrderStatus.PARTIALLY_FULFILLED]);
    if (order.lines.some((l) => l.inTransit > 0)) fail('SHIPMENT_IN_TRANSIT', ['number'], 'Hay una remisión en tránsito: recíbala antes de cerrar la orden.');
    await em.query(`UPDATE supply_order SET status = 'CLOSED', ended_at = now(), ended_by = $2, end_reason = $3 WHERE id = $1`, [order.pk, viewer.subject, input.reason]);
    return (await orderByNumber(em, order.number))!;
  });
}

// ---------------------------------------------------------------------------------------------
// Shipments

const dispatchSchema = z.object({
  idempotencyKey: key,
  orderNumber: z.string().trim().min(1).max(40),
  dispatchedAt: businessInstant,
  lines: z.array(z.object({ clave: claveField, quantity: pieces, lotNumber: lotNumberField.nullish() })).min(1).max(1000),
});

/**
 * Sends pieces from the supplying warehouse: FEFO unless a lot is named, never more than the
 * approved remainder nor the usable stock. The order row is locked first, so two dispatches against
 * one order take turns; the stock rows are locked by the ledger as for any other withdrawal.
 */
export async function dispatch(ctx: Context, raw: ShipmentDispatchInput): Promise<Shipment> {
  const input = parseInput(dispatchSchema, raw);
  const viewer = viewerOf(ctx);
  return inTransaction(ctx.db, async (em) => {
    const order = await lockedOrder(em, viewer, input.orderNumber, (o) =>
      o.supplyingClues !== null && (viewer.role === Role.ADMIN || ((viewer.role === Role.WAREHOUSE || viewer.role === Role.PHARMACY) && viewer.covers(o.supplyingClues))),
    );
    const claim = await claimIdempotencyKey(em, { key: input.idempotencyKey, operation: 'shipmentDispatch', subject: viewer.subject, input: raw });
    if (claim === 'replay') return (await shipmentsWhere(em, 'sh.dispatched_by = $1 AND sh.idempotency_key = $2', [viewer.subject, input.idempotencyKey]))[0];
    requireStatus(order, [OrderStatus.APPROVED, OrderStatus.PARTIALLY_FULFILLED], ['orderNumber']);
    const errors: UserError[] = [];
    if (order.approvedAt && input.dispatchedAt && input.dispatchedAt.getTime() < new Date(order.approvedAt).getTime()) {
      errors.push(userError(ErrorCode.INCONSISTENT, ['dispatchedAt'], `La orden ${order.number} se aprobó el ${new Date(order.approvedAt).toISOString()}; no pudo enviarse antes.`));
    }
    const asked = new Map<string, number>();
    input.lines.forEach((l, i) => {
      const line = order.lines.find((x) => x.clave === l.clave);
      if (!line) return errors.push(userError('NOT_ON_ORDER', ['lines', i, 'clave'], `La clave ${l.clave} no está en la orden ${order.number}.`));
      const total = (asked.get(l.clave) ?? 0) + l.quantity;
      asked.set(l.clave, total);
      if (total > line.remaining) {
        errors.push(userError('EXCEEDS_APPROVED_REMAINDER', ['lines', i, 'quantity'], `Quedan ${line.remaining} piezas aprobadas por enviar de ${l.clave}; se piden ${total}.`));
      }
    });
    if (errors.length) throw new UserInputError(errors);
    const supplying = await requireEstablishment(em, order.supplyingClues!, ['orderNumber']);
    const now = input.dispatchedAt;
    const drafts = await takeOut(em, supplying.id, input.lines, businessDay(now ?? undefined), (_line, lot, quantity, i): MovementDraft => ({
      field: ['lines', i],
      establishmentId: supplying.id,
      supplyItemId: lot.supplyItemId,
      lotId: lot.lotId,
      quantity: -quantity,
      kind: MovementKind.DISPATCH,
      document: order.number,
      occurredAt: now,
    }));
    const [shipment] = await em.query(
      `INSERT INTO shipment (number, order_id, status, dispatched_at, dispatched_by, idempotency_key)
       VALUES ('REM-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('shipment_number_seq')::text, 6, '0'),
               $1, 'IN_TRANSIT', coalesce($2::timestamptz, ${WRITE_TIME}), $3, $4) RETURNING id, number`,
      [order.pk, now?.toISOString() ?? null, viewer.subject, input.idempotencyKey],
    );
    // One shipment line per lot (FEFO may split a line over lots, or two lines meet on one lot).
    const perLot = new Map<number, { item: number; qty: number }>();
    for (const d of drafts) perLot.set(d.lotId, { item: d.supplyItemId, qty: (perLot.get(d.lotId)?.qty ?? 0) - d.quantity });
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
    await writeMovements(em, { actor: viewer.subject, idempotencyKey: input.idempotencyKey }, drafts);
    await afterOrderChange(em, order.pk);
    return (await shipmentByNumber(em, shipment.number))!;
  });
}

const receiveSchema = z.object({
  idempotencyKey: key,
  shipmentNumber: z.string().trim().min(1).max(40),
  receivedAt: businessInstant,
  lines: z
    .array(
      z.object({
        clave: claveField,
        lotNumber: lotNumberField,
        acceptedQuantity: z.number().int().min(0).max(100_000_000),
        rejectedQuantity: z.number().int().min(0).max(100_000_000).nullish().transform((v) => v ?? 0),
        rejectionReason: z.nativeEnum(RejectionReason).nullish(),
      }),
    )
    .min(1)
    .max(1000),
});

/**
 * Receives a shipment at the requesting CLUES: each shipped lot once, accepted + rejected = shipped,
 * a reason for what is rejected. Accepted pieces enter stock (TRANSFER_IN); rejected ones are a loss
 * recorded with their reason, not returned. The order's lines and status follow.
 */
export async function receiveShipment(ctx: Context, raw: ShipmentReceiveInput): Promise<Shipment> {
  const input = parseInput(receiveSchema, raw);
  const viewer = viewerOf(ctx);
  return inTransaction(ctx.db, async (em) => {
    // Scope first, as for orders: another CLUES's shipment and one that does not exist answer alike.
    const [row] = await em.query(
      `SELECT sh.id, sh.status, o.number AS order_number, r.clues AS "requestingClues", s.clues AS "supplyingClues"
         FROM shipment sh JOIN supply_order o ON o.id = sh.order_id
         JOIN establishment r ON r.id = o.requesting_id LEFT JOIN establishment s ON s.id = o.supplying_id
        WHERE sh.number = $1`,
      [input.shipmentNumber],
    );
    if (!viewer.national && !(row && canRead(viewer, row))) throw forbidden();
    if (!row) fail('UNKNOWN_SHIPMENT', ['shipmentNumber'], `No existe la remisión ${input.shipmentNumber}.`);
    const order = await lockedOrder(em, viewer, row.order_number, (o) =>
      viewer.role === Role.ADMIN || ((viewer.role === Role.PHARMACY || viewer.role === Role.WAREHOUSE) && viewer.covers(o.requestingClues)),
    );
    const claim = await claimIdempotencyKey(em, { key: input.idempotencyKey, operation: 'shipmentReceive', subject: viewer.subject, input: raw });
    if (claim === 'replay') return (await shipmentsWhere(em, 'sh.received_by = $1 AND sh.receipt_key = $2', [viewer.subject, input.idempotencyKey]))[0];
    const shipment = (await shipmentByNumber(em, input.shipmentNumber))!;
    if (shipment.status !== 'IN_TRANSIT') fail('ALREADY_RECEIVED', ['shipmentNumber'], `La remisión ${shipment.number} ya se recibió.`);

    const errors: UserError[] = [];
    if (input.receivedAt && input.receivedAt.getTime() < new Date(shipment.dispatchedAt).getTime()) {
      errors.push(userError(ErrorCode.INCONSISTENT, ['receivedAt'], `La remisión ${shipment.number} salió el ${new Date(shipment.dispatchedAt).toISOString()}; no pudo recibirse antes.`));
    }
    const day = businessDay(input.receivedAt ?? undefined);
    const seen = new Set<string>();
    input.lines.forEach((l, i) => {
      const k = `${l.clave}|${l.lotNumber}`;
      const shipped = shipment.lines.find((s) => s.clave === l.clave && s.lotNumber === l.lotNumber);
      if (seen.has(k)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], 'Lote repetido.'));
      seen.add(k);
      if (!shipped) return errors.push(userError('NOT_IN_SHIPMENT', ['lines', i, 'lotNumber'], `El lote ${l.lotNumber} de ${l.clave} no viene en la remisión.`));
      if (l.acceptedQuantity + l.rejectedQuantity !== shipped.quantity) {
        errors.push(userError('QUANTITY_MISMATCH', ['lines', i, 'acceptedQuantity'], `Se enviaron ${shipped.quantity} piezas del lote ${l.lotNumber}: aceptadas + rechazadas debe ser ${shipped.quantity}.`));
      }
      if (l.rejectedQuantity > 0 && !l.rejectionReason) errors.push(userError(ErrorCode.REQUIRED, ['lines', i, 'rejectionReason'], 'Indique el motivo del rechazo.'));
      if (l.rejectedQuantity === 0 && l.rejectionReason) errors.push(userError(ErrorCode.INCONSISTENT, ['lines', i, 'rejectionReason'], 'Hay motivo pero ninguna pieza rechazada.'));
      if (l.acceptedQuantity > 0 && !isUsableOn(shipped.expiresOn, day)) {
        errors.push(userError(ErrorCode.LOT_EXPIRED, ['lines', i, 'acceptedQuantity'], `El lote ${l.lotNumber} caducó el ${shipped.expiresOn}: recháce las piezas (EXPIRED).`));
      }
    });
    for (const s of shipment.lines) {
      if (!seen.has(`${s.clave}|${s.lotNumber}`)) errors.push(userError('MISSING_LINE', ['lines'], `Falta recibir el lote ${s.lotNumber} de ${s.clave} (${s.quantity} piezas).`));
    }
    if (errors.length) throw new UserInputError(errors);

    const lots: Array<{ id: number; item: number; lot_number: string; clave: string }> = await em.query(
      `SELECT sl.lot_id AS id, sl.supply_item_id AS item, l.lot_number, si.clave FROM shipment_line sl JOIN lot l ON l.id = sl.lot_id
         JOIN supply_item si ON si.id = sl.supply_item_id WHERE sl.shipment_id = $1`,
      [shipment.pk],
    );
    const lotOf = (l: { clave: string; lotNumber: string }) => lots.find((x) => x.clave === l.clave && x.lot_number === l.lotNumber)!;
    await em.query(
      `UPDATE shipment_line sl SET accepted = r.accepted, rejected = r.rejected, rejection_reason = r.reason
         FROM unnest($2::int[], $3::int[], $4::int[], $5::text[]) AS r(lot, accepted, rejected, reason)
        WHERE sl.shipment_id = $1 AND sl.lot_id = r.lot`,
      [shipment.pk, input.lines.map((l) => lotOf(l).id), input.lines.map((l) => l.acceptedQuantity), input.lines.map((l) => l.rejectedQuantity), input.lines.map((l) => l.rejectionReason ?? null)],
    );
    await em.query(`UPDATE shipment SET status = 'RECEIVED', received_at = coalesce($2::timestamptz, ${WRITE_TIME}), received_by = $3, receipt_key = $4 WHERE id = $1`, [
      shipment.pk,
      input.receivedAt?.toISOString() ?? null,
      viewer.subject,
      input.idempotencyKey,
    ]);
    await em.query(
      `UPDATE supply_order_line l SET accepted = l.accepted + d.accepted, rejected = l.rejected + d.rejected
         FROM (SELECT supply_item_id, sum(accepted) AS accepted, sum(rejected) AS rejected FROM shipment_line WHERE shipment_id = $2 GROUP BY 1) d
        WHERE l.order_id = $1 AND l.supply_item_id = d.supply_item_id`,
      [order.pk, shipment.pk],
    );
    const requesting = await requireEstablishment(em, order.requestingClues);
    await writeMovements(
      em,
      { actor: viewer.subject, idempotencyKey: input.idempotencyKey },
      input.lines
        .filter((l) => l.acceptedQuantity > 0)
        .map((l, i) => ({
          field: ['lines', i],
          establishmentId: requesting.id,
          supplyItemId: lotOf(l).item,
          lotId: lotOf(l).id,
          quantity: l.acceptedQuantity,
          kind: MovementKind.TRANSFER_IN,
          document: shipment.number,
          occurredAt: input.receivedAt,
        })),
    );
    await afterOrderChange(em, order.pk);
    return (await shipmentByNumber(em, shipment.number))!;
  });
}

// ---------------------------------------------------------------------------------------------
// Reads

export async function orderFor(ctx: Context, number: string): Promise<Order | null> {
  const viewer = viewerOf(ctx);
  const order = await orderByNumber(ctx.db, number.trim());
  if (!order) {
    if (!viewer.national) throw forbidden();
    return null;
  }
  if (!canRead(viewer, order)) throw forbidden();
  return order;
}

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

/** Suggested replenishment (SPEC §4) for the claves with a CPM in force authorised for the location. */
export async function suggestedOrder(ctx: Context, rawClues: string): Promise<SuggestedOrderLine[]> {
  const clues = normalizeClues(rawClues);
  if (!viewerOf(ctx).covers(clues)) throw forbidden();
  const est = await ctx.loaders.establishmentByClues.load(clues);
  if (!est) throw badRequest('UNKNOWN_CLUES', `No existe la CLUES ${clues}.`);
  const isWarehouse = (await ctx.loaders.warehouseByEstablishmentId.load(est.pk)) !== null;
  return suggestedFor(ctx, ctx.db.manager, est.pk, isWarehouse);
}

async function suggestedFor(ctx: Context, em: EntityManager, establishmentId: number, isWarehouse: boolean): Promise<SuggestedOrderLine[]> {
  const day = businessDay();
  const maxMonths = (isWarehouse ? ctx.config.stockThresholds.warehouse : ctx.config.stockThresholds.unit).maxMonths;
  return em.query(
    `WITH est AS (SELECT id, care_level FROM establishment WHERE id = $1),
          items AS (
            SELECT s.id, s.clave FROM supply_item s, est
             WHERE ($4 OR est.care_level = ANY (s.authorized_levels))
               AND coalesce(s.authorized_from_year, 0) <= $2 AND coalesce(s.authorized_to_year, 9999) >= $2
          ),
          usable AS (
            SELECT b.supply_item_id, sum(b.quantity) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= $5::date) AS pieces
              FROM stock_balance b JOIN lot l ON l.id = b.lot_id WHERE b.establishment_id = $1 GROUP BY 1
          ),
          transit AS (SELECT supply_item_id, pieces FROM stock_in_transit WHERE establishment_id = $1),
          pending AS (SELECT supply_item_id, sum(pieces) AS pieces FROM stock_pending WHERE requesting_id = $1 GROUP BY 1)
     SELECT i.clave, c.cpm, coalesce(u.pieces, 0)::int AS usable, coalesce(t.pieces, 0)::int AS "inTransit",
            coalesce(p.pieces, 0)::int AS pending
       FROM items i
       JOIN LATERAL cpm_in_force($1, i.id, $2, $3::date) c ON c.cpm IS NOT NULL
       LEFT JOIN usable u ON u.supply_item_id = i.id
       LEFT JOIN transit t ON t.supply_item_id = i.id
       LEFT JOIN pending p ON p.supply_item_id = i.id
      ORDER BY i.clave`,
    [establishmentId, Number(day.slice(0, 4)), `${day.slice(0, 7)}-01`, isWarehouse, day],
  ).then((rows: Array<Omit<SuggestedOrderLine, 'maxMonths' | 'quantity'>>) =>
    rows.map((r) => ({ ...r, maxMonths, quantity: shortfall({ ...r, maxMonths }, r.pending) })),
  );
}
