import { EntityManager } from 'typeorm';
import { Role, WarehouseTier } from '../../domain/enums';
import { Roles, Viewer } from '../../base/auth';
import { fail, forbidden } from '../../base/errors';
import { ordersWhere } from './order.queries';
import { Order, OrderKind, OrderStatus, orderStatusLabel } from './order.types';

/** Who may act on an order and how an order is taken for a transition: shared by the order lifecycle and its shipments. */

const REQUESTERS: readonly Role[] = [Role.ADMIN, Role.CENTRAL, Role.WAREHOUSE, Role.PHARMACY];
const COORDINATED_REQUESTERS: readonly Role[] = [...REQUESTERS, Role.STATE_COORDINATOR];

/**
 * Who may act for an order's requesting side, at its requesting CLUES: the CLUES's own user; its
 * state's coordinator, for a replenishment of an establishment that is not a CENTRAL warehouse (those
 * belong to the national level wherever they stand); a national role.
 */
export function requesterRoles(o: { kind: OrderKind; requestingTier: WarehouseTier | null }): readonly Role[] {
  return o.kind === OrderKind.REPLENISHMENT && o.requestingTier !== WarehouseTier.CENTRAL ? COORDINATED_REQUESTERS : REQUESTERS;
}

export function isRequester(v: Viewer, o: { kind: OrderKind; requestingClues: string; requestingTier: WarehouseTier | null }): boolean {
  return v.mayActAt(requesterRoles(o), o.requestingClues);
}

/**
 * National roles approve any order; a state coordinator the replenishment orders of its state's units
 * that its state's warehouses or a CENTRAL one supply — never an order against another state's stock.
 */
export function isApprover(v: Viewer, o: OrderParties): boolean {
  if (v.mayActAt(Roles.national)) return true;
  return (
    o.kind === OrderKind.REPLENISHMENT &&
    v.mayActAt([Role.STATE_COORDINATOR], o.requestingClues) &&
    o.supplyingClues !== null &&
    (o.supplyingTier === WarehouseTier.CENTRAL || v.mayActAt([Role.STATE_COORDINATOR], o.supplyingClues))
  );
}

/** Who sends against an order and who receives its shipments: the stock writers at the supplying, and at the requesting, CLUES. */
export function isDispatcher(v: Viewer, o: { supplyingClues: string | null }): boolean {
  return o.supplyingClues !== null && v.mayActAt(Roles.stockWriters, o.supplyingClues);
}

export function isReceiver(v: Viewer, o: { requestingClues: string }): boolean {
  return v.mayActAt(Roles.stockWriters, o.requestingClues);
}

export function canRead(v: Viewer, o: { requestingClues: string; supplyingClues: string | null }): boolean {
  return v.covers(o.requestingClues) || (o.supplyingClues !== null && v.covers(o.supplyingClues));
}

/** Who an order is between: what the scope checks need, read before the order is locked. */
export interface OrderParties {
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
export async function lockedOrder(em: EntityManager, viewer: Viewer, number: string, allowed: (o: Order & OrderParties) => boolean): Promise<Order> {
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

export function requireStatus(order: Order, allowed: OrderStatus[], field: string[] = ['number']): void {
  if (!allowed.includes(order.status)) {
    fail('INVALID_STATUS', field, `La orden ${order.number} está ${orderStatusLabel(order.status)}; esta acción requiere que esté ${allowed.map(orderStatusLabel).join(' o ')}.`);
  }
}
