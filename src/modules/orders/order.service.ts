import { EntityManager } from 'typeorm';
import { runMutation } from '../../db/mutation';
import { normalizeClues, stateOfClues } from '../../domain/clues';
import { businessDay } from '../../domain/dates';
import { suggestedQuantity } from '../../domain/stock';
import { positionSql } from '../stock/stock.position';
import { supplierStock, supplierStockKey } from '../stock/stock.available';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, ErrorCode, fail, forbidden, gather, throwIfAny, UserError, userError, UserInputError } from '../../base/errors';
import { requireEstablishment } from '../registry/registry.queries';
import { checkOrderAgainstContract, contractIdOf } from '../procurement/contract.service';
import { Connection, PageArgs, pageRequest, paginate } from '../../base/relay';
import { canRead, isApprover, isRequester, lockedOrder, requesterRoles, requireStatus } from './order.scope';
import { checkOrderLines } from './order.lines';
import { authorizedSql } from '../catalog/authorization';
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
import { OrderUpdateInput, OrderUpdateSchema } from './order.inputs';

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
        if (input.contract && input.contractId != null) errors.push(userError(ErrorCode.INCONSISTENT, ['contract'], 'Indique el contrato una vez: contract (su id), no también contractId.'));
        const contractGiven = Boolean(input.contract) || input.contractId != null;
        if (purchase && !input.supplier && !contractGiven) errors.push(userError(ErrorCode.REQUIRED, ['supplier'], 'Una compra necesita proveedor (o un contrato).'));
        if (purchase && input.fromSuggestion) errors.push(userError(ErrorCode.INCONSISTENT, ['fromSuggestion'], 'La sugerencia es para reabasto.'));
        if (!purchase && (input.supplier || contractGiven)) errors.push(userError(ErrorCode.INCONSISTENT, ['supplier'], 'Un reabasto no tiene proveedor ni contrato.'));
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
      // Every problem of the order is gathered (who supplies it, each line, the contract) and answered at once.
      let supplying: number | null = null;
      if (purchase) {
        if (!isWarehouse) errors.push(userError(ErrorCode.NOT_A_WAREHOUSE, ['requestingClues'], 'Solo un almacén compra a proveedores.'));
      } else {
        if (!supplyingId) errors.push(userError('NO_SUPPLYING_WAREHOUSE', ['requestingClues'], `${input.requestingClues} no tiene almacén que lo abastezca.`));
        if (input.supplyingClues) {
          const given = await gather(errors, () => requireEstablishment(em, input.supplyingClues!, ['supplyingClues']));
          if (given && supplyingId && given.id !== supplyingId) {
            errors.push(userError('NOT_SUPPLYING_WAREHOUSE', ['supplyingClues'], `${input.supplyingClues} no es el almacén que abastece a ${input.requestingClues}.`));
          }
        }
        supplying = supplyingId;
      }

      const lines = input.fromSuggestion
        ? (await suggestedFor(ctx, em, requesting.id, isWarehouse)).filter((l) => l.quantity > 0).map((l) => ({ clave: l.clave, quantity: l.quantity }))
        : input.lines!;
      if (!lines.length) errors.push(userError('NOTHING_TO_ORDER', ['fromSuggestion'], 'La sugerencia no tiene claves que pedir.'));
      const byClave = await checkOrderLines(em, { clues: input.requestingClues }, lines, errors);
      // Under a contract: its clave, its supplier, its state, in force, and never past its maximum.
      // Named by its global id (`contract`) or, deprecated, by its row id (`contractId`).
      const contractField = input.contract ? 'contract' : 'contractId';
      const contractId = input.contract ? await gather(errors, () => contractIdOf(em, input.contract!, 'contract')) : input.contractId ?? undefined;
      const contract =
        contractId != null
          ? await gather(errors, () =>
              checkOrderAgainstContract(em, contractId, { supplier: input.supplier ?? null, requestingStateCode: stateOfClues(input.requestingClues)!.code, lines, field: contractField }),
            )
          : undefined;
      throwIfAny(errors);
      const supplier = contract?.supplier ?? input.supplier ?? null;

      const prefix = purchase ? 'OC' : 'OS';
      const [order] = await em.query(
        `INSERT INTO supply_order (number, kind, status, requesting_id, supplying_id, supplier, contract_id, promised_on, created_by, idempotency_key)
         VALUES ($1 || '-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('order_number_seq')::text, 6, '0'),
                 $2, 'DRAFT', $3, $4, $5, $6, $7, $8, $9) RETURNING id, number`,
        [prefix, input.kind, requesting.id, supplying, supplier, contractId ?? null, input.promisedOn ?? null, meta.actor, meta.idempotencyKey],
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

/**
 * Sets, changes or takes off lines of a DRAFT order, by its requester: the lines are checked as orderCreate
 * checks them (known clave, once, authorised for the level of care; under a contract, its clave and its
 * maximum). Claves not named keep their line; an order is never left without lines. Setting lines is
 * naturally idempotent: the same request again changes nothing more.
 */
export async function update(ctx: Context, raw: OrderUpdateInput): Promise<Order> {
  return runMutation(
    ctx,
    {
      operation: 'orderUpdate',
      schema: OrderUpdateSchema,
      raw,
      locate: (em, input, { viewer }) => lockedOrder(em, viewer, input.number, (o) => isRequester(viewer, o)),
    },
    async (em, input, _meta, order) => {
      requireStatus(order, [OrderStatus.DRAFT]);
      const errors: UserError[] = [];
      await requireEstablishment(em, order.requestingClues, ['number']);
      const lines = input.lines.map((l) => ({ ...l, removing: l.quantity === 0 }));
      const byClave = await checkOrderLines(em, { clues: order.requestingClues }, lines, errors);
      const current = new Map(order.lines.map((l) => [l.clave, l.requested]));
      lines.forEach((l, i) => {
        if (l.removing && byClave.has(l.clave) && !current.has(l.clave)) {
          errors.push(userError('NOT_ON_ORDER', ['lines', i, 'clave'], `La clave ${l.clave} no está en la orden ${order.number}: no hay nada que quitar.`));
        }
      });
      const after = new Map(current);
      for (const l of lines) if (l.removing) after.delete(l.clave); else after.set(l.clave, l.quantity);
      if (after.size === 0) errors.push(userError('EMPTY_ORDER', ['lines'], `La orden ${order.number} se quedaría sin líneas: cancélela (orderCancel) en lugar de quitarlas todas.`));
      if (order.contractId !== null) {
        // The contract already counts what the order asks: only what an update adds must fit under its maximum.
        const added = lines.map((l) => ({ clave: l.clave, quantity: Math.max(0, l.quantity - (current.get(l.clave) ?? 0)) }));
        await gather(errors, () => checkOrderAgainstContract(em, order.contractId!, { supplier: order.supplier, requestingStateCode: stateOfClues(order.requestingClues)!.code, lines: added }));
      }
      throwIfAny(errors);
      const set = lines.filter((l) => !l.removing);
      await em.query(
        `INSERT INTO supply_order_line (order_id, supply_item_id, requested) SELECT $1, * FROM unnest($2::int[], $3::int[])
         ON CONFLICT (order_id, supply_item_id) DO UPDATE SET requested = EXCLUDED.requested`,
        [order.pk, set.map((l) => byClave.get(l.clave)!.id), set.map((l) => l.quantity)],
      );
      await em.query('DELETE FROM supply_order_line WHERE order_id = $1 AND supply_item_id = ANY ($2::int[])', [
        order.pk,
        lines.filter((l) => l.removing).map((l) => byClave.get(l.clave)!.id),
      ]);
      return (await orderByNumber(em, order.number))!;
    },
  );
}

/**
 * Approves (emite) a submitted order, cutting quantities where asked; the rest as requested. With
 * `capToAvailable`, each line is then capped at the supplier's available pieces (`capToSupplierStock`).
 */
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
      if (input.capToAvailable && order.supplyingId === null) {
        errors.push(userError(ErrorCode.INCONSISTENT, ['capToAvailable'], 'Una compra no la surte un almacén de la red: no hay existencia a la cual ajustarla.'));
      }
      throwIfAny(errors);
      if (input.capToAvailable) await capToSupplierStock(em, order, cuts);
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

/** Approvals that cap to one supplier's stock take turns: each sees what the one before promised (pending out). */
/** The advisory lock namespace of promises from a supplier: capped approvals and rounds of Rutas de la Salud take it, keyed by the supplier. */
export const CAP_LOCK_NAMESPACE = 17;

/**
 * Caps each line's approval (as requested, or as cut) at what the supplying CLUES can still promise:
 * available = max(0, usable − pending out) (src/modules/stock/stock.available.ts). Two approvals capping
 * against the same supplier take turns (a transaction-level advisory lock on it), so the second sees the
 * first's pieces as pending out and the same piece is never promised twice.
 */
async function capToSupplierStock(em: EntityManager, order: Order, cuts: Map<number, number>): Promise<void> {
  const supplyingId = order.supplyingId!;
  await em.query('SELECT pg_advisory_xact_lock($1, $2)', [CAP_LOCK_NAMESPACE, supplyingId]);
  const stock = await supplierStock(em, order.lines.map((l) => ({ establishmentId: supplyingId, supplyItemId: l.supplyItemId })), businessDay());
  for (const line of order.lines) {
    const asked = cuts.get(line.supplyItemId) ?? line.requested;
    cuts.set(line.supplyItemId, Math.min(asked, stock.get(supplierStockKey(supplyingId, line.supplyItemId))!.available));
  }
  // An order approved at 0 everywhere would count as fulfilled at once: refused, the coordinator decides.
  if ([...cuts.values()].every((q) => q === 0) && cuts.size === order.lines.length) {
    fail(
      'NOTHING_AVAILABLE',
      ['capToAvailable'],
      `${order.supplyingClues} no tiene piezas disponibles de ninguna clave de la orden ${order.number}: apruébela sin ajustar a la existencia, o recórtela, o espere a que reciba.`,
    );
  }
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
  const rows: Array<{ clave: string; supply_item_id: number; supplying_id: number | null; supplying_clues: string | null; cpm: number; usable: string; in_transit: string; pending_in: string; max_months: string }> = await em.query(
    `WITH items AS (
       SELECT s.id FROM supply_item s JOIN establishment e ON e.id = $1
        WHERE ${authorizedSql('e', 's', '$2')}
     ),
     pos AS (${positionSql({
       keys: 'SELECT $1::int, id FROM items',
       where: (e, i) => `${e} = $1 AND ${i} IN (SELECT id FROM items)`,
       day: '$4::date',
       year: '$2::int',
       month: '$3::date',
       band: { min: '$5::numeric', max: '$6::numeric' },
       omit: ['onHand', 'source'],
     })})
     SELECT s.clave, pos.*, sup.supplying_id, sup.supplying_clues
       FROM pos
       LEFT JOIN (SELECT w.establishment_id AS supplying_id, we.clues AS supplying_clues FROM establishment e
                    JOIN warehouse w ON w.id = e.supplying_warehouse_id JOIN establishment we ON we.id = w.establishment_id
                   WHERE e.id = $1) sup ON true JOIN supply_item s ON s.id = pos.supply_item_id WHERE pos.cpm IS NOT NULL ORDER BY s.clave`,
    [establishmentId, Number(day.slice(0, 4)), `${day.slice(0, 7)}-01`, day, band.minMonths, band.maxMonths],
  );
  return rows.map((r) => {
    const line = { clave: r.clave, cpm: r.cpm, usable: Number(r.usable), inTransit: Number(r.in_transit), pending: Number(r.pending_in), maxMonths: Number(r.max_months) };
    return { ...line, supplyItemId: r.supply_item_id, supplyingId: r.supplying_id, supplyingClues: r.supplying_clues, quantity: suggestedQuantity({ ...line, pendingIn: line.pending })! };
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