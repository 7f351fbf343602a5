import { EntityManager } from 'typeorm';
import { runMutation } from '../../db/mutation';
import { normalizeClues, stateOfClues } from '../../domain/clues';
import { businessDay } from '../../domain/dates';
import { suggestedQuantity } from '../../domain/stock';
import { positionSql } from '../stock/stock.position';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, ErrorCode, fail, forbidden, UserError, userError, UserInputError } from '../../base/errors';
import { requireEstablishment } from '../registry/registry.queries';
import { checkOrderAgainstContract } from '../procurement/contract.service';
import { Connection, PageArgs, pageRequest, paginate } from '../../base/relay';
import { canRead, isApprover, isRequester, lockedOrder, requesterRoles, requireStatus } from './order.scope';
import { afterOrderChange, orderByNumber, ordersWhere } from './order.queries';
import {
  Order,
  OrderApproveInput,
  OrderApproveSchema,
  OrderCreateInput,
  OrderCreateSchema,
  OrderEndInput,
  OrderEndSchema,
  OrderFilter,
  OrderKind,
  OrderNumberInput,
  OrderNumberSchema,
  OrderStatus,
  SuggestedOrderLine,
} from './order.types';

// ---------------------------------------------------------------------------------------------

export async function create(ctx: Context, raw: OrderCreateInput): Promise<Order> {
  return runMutation(
    ctx,
    {
      operation: 'orderCreate',
      schema: OrderCreateSchema,
      raw,
      // The CLUES prefix decides before anything is read; a coordinator's CENTRAL warehouse is refused once it is.
      scope: (input) => ({
        roles: input.kind === OrderKind.PURCHASE ? Roles.national : requesterRoles({ kind: input.kind, requestingTier: null }),
        clues: input.requestingClues,
      }),
      check: (input) => {
        const purchase = input.kind === OrderKind.PURCHASE;
        const errors: UserError[] = [];
        if (!input.fromSuggestion && !input.lines?.length) errors.push(userError(ErrorCode.REQUIRED, ['lines'], 'Indique las líneas o pida la sugerencia (fromSuggestion).'));
        if (input.fromSuggestion && input.lines?.length) errors.push(userError(ErrorCode.INCONSISTENT, ['lines'], 'Use líneas o fromSuggestion, no ambas.'));
        if (purchase && !input.supplier && input.contractId == null) errors.push(userError(ErrorCode.REQUIRED, ['supplier'], 'Una compra necesita proveedor (o un contrato).'));
        if (purchase && input.fromSuggestion) errors.push(userError(ErrorCode.INCONSISTENT, ['fromSuggestion'], 'La sugerencia es para reabasto.'));
        if (!purchase && (input.supplier || input.contractId)) errors.push(userError(ErrorCode.INCONSISTENT, ['supplier'], 'Un reabasto no tiene proveedor ni contrato.'));
        if (errors.length) throw new UserInputError(errors);
      },
      idempotencyKey: (input) => input.idempotencyKey,
      locate: async (em, input, { viewer }) => {
        const requesting = await requireEstablishment(em, input.requestingClues, ['requestingClues']);
        const [tier] = await em.query('SELECT tier FROM warehouse WHERE establishment_id = $1', [requesting.id]);
        viewer.assertMayActAt(requesterRoles({ kind: input.kind, requestingTier: tier?.tier ?? null }), input.requestingClues);
        return requesting;
      },
    },
    async (em, input, meta, requesting) => {
      const purchase = input.kind === OrderKind.PURCHASE;
      const errors: UserError[] = [];
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
        [prefix, input.kind, requesting.id, supplying, supplier, input.contractId ?? null, input.promisedOn ?? null, meta.actor, meta.idempotencyKey],
      );
      await em.query(
        `INSERT INTO supply_order_line (order_id, supply_item_id, requested) SELECT $1, * FROM unnest($2::int[], $3::int[])`,
        [order.id, lines.map((l) => byClave.get(l.clave)!.id), lines.map((l) => l.quantity)],
      );
      return (await orderByNumber(em, order.number))!;
    },
    async (em, _input, meta) => (await ordersWhere(em, 'o.created_by = $1 AND o.idempotency_key = $2', [meta.actor, meta.idempotencyKey]))[0],
  );
}

export async function submit(ctx: Context, raw: OrderNumberInput): Promise<Order> {
  return runMutation(
    ctx,
    {
      operation: 'orderSubmit',
      schema: OrderNumberSchema,
      raw,
      locate: (em, input, { viewer }) => lockedOrder(em, viewer, input.number, (o) => isRequester(viewer, o)),
    },
    async (em, _input, _meta, order) => {
      requireStatus(order, [OrderStatus.DRAFT]);
      await em.query(`UPDATE supply_order SET status = 'SUBMITTED', submitted_at = now() WHERE id = $1`, [order.pk]);
      return (await orderByNumber(em, order.number))!;
    },
  );
}

/** Approves (emite) a submitted order, cutting quantities where asked; the rest as requested. */
export async function approve(ctx: Context, raw: OrderApproveInput): Promise<Order> {
  return runMutation(
    ctx,
    {
      operation: 'orderApprove',
      schema: OrderApproveSchema,
      raw,
      locate: (em, input, { viewer }) => lockedOrder(em, viewer, input.number, (o) => isApprover(viewer, o)),
    },
    async (em, input, { actor }, order) => {
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
      await em.query(`UPDATE supply_order SET status = 'APPROVED', approved_at = now(), approved_by = $2 WHERE id = $1`, [order.pk, actor]);
      await afterOrderChange(em, order.pk);
      return (await orderByNumber(em, order.number))!;
    },
  );
}

/** Cancels an order nothing was sent against: the requester before approval, an approver at any time. */
export async function cancel(ctx: Context, raw: OrderEndInput): Promise<Order> {
  return runMutation(
    ctx,
    {
      operation: 'orderCancel',
      schema: OrderEndSchema,
      raw,
      locate: (em, input, { viewer }) =>
        lockedOrder(em, viewer, input.number, (o) =>
          isApprover(viewer, o) || ((o.status === OrderStatus.DRAFT || o.status === OrderStatus.SUBMITTED) && isRequester(viewer, o)),
        ),
    },
    async (em, input, { actor }, order) => {
      requireStatus(order, [OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.APPROVED]);
      if (order.lines.some((l) => l.dispatched > 0)) fail('ALREADY_DISPATCHED', ['number'], 'Ya se envió mercancía contra esta orden: ciérrela en lugar de cancelarla.');
      await em.query(`UPDATE supply_order SET status = 'CANCELLED', ended_at = now(), ended_by = $2, end_reason = $3 WHERE id = $1`, [order.pk, actor, input.reason]);
      await afterOrderChange(em, order.pk);
      return (await orderByNumber(em, order.number))!;
    },
  );
}

/** Short-closes an approved order: what was not sent will not be. Refused while a shipment is on its way. */
export async function close(ctx: Context, raw: OrderEndInput): Promise<Order> {
  return runMutation(
    ctx,
    {
      operation: 'orderClose',
      schema: OrderEndSchema,
      raw,
      locate: (em, input, { viewer }) => lockedOrder(em, viewer, input.number, (o) => isApprover(viewer, o)),
    },
    async (em, input, { actor }, order) => {
      requireStatus(order, [OrderStatus.APPROVED, OrderStatus.PARTIALLY_FULFILLED]);
      if (order.lines.some((l) => l.inTransit > 0)) fail('SHIPMENT_IN_TRANSIT', ['number'], 'Hay una remisión en tránsito: recíbala antes de cerrar la orden.');
      await em.query(`UPDATE supply_order SET status = 'CLOSED', ended_at = now(), ended_by = $2, end_reason = $3 WHERE id = $1`, [order.pk, actor, input.reason]);
      return (await orderByNumber(em, order.number))!;
    },
  );
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

/** Suggested replenishment (SPEC §4) for the claves with a CPM in force authorised for the location. */
export async function suggestedOrder(ctx: Context, rawClues: string): Promise<SuggestedOrderLine[]> {
  const clues = normalizeClues(rawClues);
  if (!viewerOf(ctx).covers(clues)) throw forbidden();
  const est = await ctx.loaders.establishmentByClues.load(clues);
  if (!est) throw badRequest('UNKNOWN_CLUES', `No existe la CLUES ${clues}.`);
  const isWarehouse = (await ctx.loaders.warehouseByEstablishmentId.load(est.pk)) !== null;
  return suggestedFor(ctx, ctx.db.manager, est.pk, isWarehouse);
}

/**
 * The suggested order is the stock position's suggested quantity (src/modules/stock/stock.position.ts,
 * src/domain/stock.ts) of every clave authorised for the location in the year with a CPM in force.
 */
async function suggestedFor(ctx: Context, em: EntityManager, establishmentId: number, isWarehouse: boolean): Promise<SuggestedOrderLine[]> {
  const day = businessDay();
  const band = isWarehouse ? ctx.config.stockThresholds.warehouse : ctx.config.stockThresholds.unit;
  const rows: Array<{ clave: string; cpm: number; usable: string; in_transit: string; pending_in: string; max_months: string }> = await em.query(
    `WITH items AS (
       SELECT s.id FROM supply_item s JOIN establishment e ON e.id = $1
        WHERE ($4 OR e.care_level = ANY (s.authorized_levels))
          AND coalesce(s.authorized_from_year, 0) <= $2 AND coalesce(s.authorized_to_year, 9999) >= $2
     ),
     pos AS (${positionSql({
       keys: 'SELECT $1::int, id FROM items',
       where: (e, i) => `${e} = $1 AND ${i} IN (SELECT id FROM items)`,
       day: '$5::date',
       year: '$2::int',
       month: '$3::date',
       band: { min: '$6::numeric', max: '$7::numeric' },
       omit: ['onHand', 'source'],
     })})
     SELECT s.clave, pos.* FROM pos JOIN supply_item s ON s.id = pos.supply_item_id WHERE pos.cpm IS NOT NULL ORDER BY s.clave`,
    [establishmentId, Number(day.slice(0, 4)), `${day.slice(0, 7)}-01`, isWarehouse, day, band.minMonths, band.maxMonths],
  );
  return rows.map((r) => {
    const line = { clave: r.clave, cpm: r.cpm, usable: Number(r.usable), inTransit: Number(r.in_transit), pending: Number(r.pending_in), maxMonths: Number(r.max_months) };
    return { ...line, quantity: suggestedQuantity({ ...line, pendingIn: line.pending })! };
  });
}

/** Orders in number order; outside national roles, those the caller's state or CLUES requests or supplies. */
export function listOrders(ctx: Context, filter: OrderFilter | null | undefined, page: PageArgs): Promise<Connection<Order>> {
  const v = viewerOf(ctx);
  const f = filter ?? {};
  // Outside national roles, only orders the caller's state or CLUES requests or supplies.
  const params: unknown[] = [
    f.statuses ?? null,
    f.kinds ?? null,
    f.requestingClues?.trim().toUpperCase() ?? null,
    f.supplyingClues?.trim().toUpperCase() ?? null,
    v.national ? null : v.stateCode,
    v.national ? null : v.clues,
  ];
  const where = `($1::text[] IS NULL OR o.status = ANY ($1)) AND ($2::text[] IS NULL OR o.kind = ANY ($2))
    AND ($3::text IS NULL OR r.clues = $3) AND ($4::text IS NULL OR s.clues = $4)
    AND (($5::text IS NULL AND $6::text IS NULL) OR r.state_code = $5 OR s.state_code = $5 OR r.clues = $6 OR s.clues = $6)`;
  return paginate(
    pageRequest<string>(page),
    (after, limit) => ordersWhere(ctx.db, `${where} AND ($7::text IS NULL OR o.number > $7) ORDER BY o.number LIMIT $8`, [...params, after ?? null, limit]),
    (o) => o.number,
    async () => {
      const [{ n }] = await ctx.db.query(
        `SELECT count(*)::int AS n FROM supply_order o JOIN establishment r ON r.id = o.requesting_id LEFT JOIN establishment s ON s.id = o.supplying_id WHERE ${where}`,
        params,
      );
      return n;
    },
  );
}