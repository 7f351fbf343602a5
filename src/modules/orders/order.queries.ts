import { DataSource, EntityManager } from 'typeorm';
import { Order, OrderLine, Shipment, ShipmentLine } from './order.types';

type Db = DataSource | EntityManager;

const ORDER_SELECT = `
  SELECT o.id AS pk, o.number, o.kind, o.status, o.requesting_id AS "requestingId", o.supplying_id AS "supplyingId",
         r.clues AS "requestingClues", s.clues AS "supplyingClues", o.supplier, o.promised_on::text AS "promisedOn",
         o.created_at AS "createdAt", o.created_by AS "createdBy", o.submitted_at AS "submittedAt", o.approved_at AS "approvedAt",
         o.approved_by AS "approvedBy", o.ended_at AS "endedAt", o.end_reason AS "endReason", o.contract_id AS "contractId", o.origin,
         o.distribution_round_id AS "distributionRoundId"
    FROM supply_order o
    JOIN establishment r ON r.id = o.requesting_id
    LEFT JOIN establishment s ON s.id = o.supplying_id`;

export async function ordersWhere(db: Db, where: string, params: unknown[]): Promise<Order[]> {
  const rows = await db.query(`${ORDER_SELECT} WHERE ${where}`, params);
  if (!rows.length) return [];
  const lines: Array<OrderLine & { orderId: number }> = await db.query(
    `SELECT l.order_id AS "orderId", l.supply_item_id AS "supplyItemId", si.clave, l.requested, l.approved, l.dispatched, l.accepted, l.rejected
       FROM supply_order_line l JOIN supply_item si ON si.id = l.supply_item_id
      WHERE l.order_id = ANY ($1::int[]) ORDER BY si.clave`,
    [rows.map((r: { pk: number }) => r.pk)],
  );
  // grouped once: a round's thousands of orders must not scan every line for each order
  const byOrder = new Map<number, Array<OrderLine & { orderId: number }>>();
  for (const l of lines) byOrder.set(l.orderId, [...(byOrder.get(l.orderId) ?? []), l]);
  return rows.map((r: Order) =>
    Object.assign(new Order(), r, {
      lines: (byOrder.get(r.pk) ?? []).map(({ orderId: _o, ...l }) => Object.assign(new OrderLine(), l, { supplyingId: r.supplyingId, supplyingClues: r.supplyingClues })),
    }),
  );
}

export async function orderByNumber(db: Db, number: string): Promise<Order | null> {
  const [o] = await ordersWhere(db, 'o.number = $1', [number]);
  return o ?? null;
}

/**
 * Shipments matching `where` (in `order`, by id unless told), with their lines — or without them
 * (`withLines: false`: a list leaves them to the `shipmentLines` loader, read only when asked for).
 */
export async function shipmentsWhere(db: Db, where: string, params: unknown[], opts: { withLines?: boolean; order?: string } = {}): Promise<Shipment[]> {
  const rows = await db.query(
    `SELECT sh.id AS pk, sh.number, o.number AS "orderNumber", sh.status, f.clues AS "fromClues", t.clues AS "toClues",
            sh.dispatched_at AS "dispatchedAt", sh.received_at AS "receivedAt", sh.left_behind AS "leftBehind"
       FROM shipment sh JOIN supply_order o ON o.id = sh.order_id
       JOIN establishment f ON f.id = o.supplying_id JOIN establishment t ON t.id = o.requesting_id
      WHERE ${where} ORDER BY ${opts.order ?? 'sh.id'}`,
    params,
  );
  if (!rows.length) return [];
  const lines = opts.withLines === false ? undefined : await shipmentLinesFor(db, rows.map((r: { pk: number }) => r.pk));
  return rows.map((r: Shipment) => Object.assign(new Shipment(), r, lines ? { lines: lines.get(r.pk) ?? [] } : {}));
}

/** The lines of some shipments, in line order, by shipment id: one statement for a whole page. */
export async function shipmentLinesFor(db: Db, shipmentIds: readonly number[]): Promise<Map<number, ShipmentLine[]>> {
  const lines: Array<ShipmentLine & { shipmentId: number }> = await db.query(
    `SELECT sl.shipment_id AS "shipmentId", sl.line, si.clave, l.lot_number AS "lotNumber", l.expires_on::text AS "expiresOn", sl.quantity,
            sl.accepted AS "acceptedQuantity", sl.rejected AS "rejectedQuantity", sl.rejection_reason AS "rejectionReason"
       FROM shipment_line sl JOIN supply_item si ON si.id = sl.supply_item_id JOIN lot l ON l.id = sl.lot_id
      WHERE sl.shipment_id = ANY ($1::int[]) ORDER BY sl.shipment_id, sl.line`,
    [shipmentIds],
  );
  const by = new Map<number, ShipmentLine[]>();
  for (const { shipmentId, ...l } of lines) {
    const list = by.get(shipmentId) ?? [];
    list.push(l);
    by.set(shipmentId, list);
  }
  return by;
}

export async function shipmentByNumber(db: Db, number: string): Promise<Shipment | null> {
  const [s] = await shipmentsWhere(db, 'sh.number = $1', [number]);
  return s ?? null;
}

/**
 * Every use case that changes an order's figures ends with this, in its transaction and holding the
 * order's row lock: the status follows what was accepted, and the fill-rate rollup is recomputed
 * from the order's documents (migration OrderFill), so it commits or rolls back with them.
 */
export async function afterOrderChange(em: EntityManager, orderId: number): Promise<void> {
  await refreshOrderStatus(em, orderId);
  await em.query('SELECT order_fill_refresh($1::int[])', [[orderId]]);
}

/**
 * An approved order's status follows what was accepted: FULFILLED when every line has its approved
 * pieces, PARTIALLY_FULFILLED once anything was accepted.
 */
async function refreshOrderStatus(em: EntityManager, orderId: number): Promise<void> {
  await em.query(
    `UPDATE supply_order o SET status = s.status, ended_at = CASE WHEN s.status = 'FULFILLED' THEN now() END
       FROM (SELECT CASE WHEN bool_and(accepted >= approved) THEN 'FULFILLED'
                         WHEN sum(accepted) > 0 THEN 'PARTIALLY_FULFILLED' ELSE 'APPROVED' END AS status
               FROM supply_order_line WHERE order_id = $1) s
      WHERE o.id = $1 AND o.status IN ('APPROVED', 'PARTIALLY_FULFILLED')`,
    [orderId],
  );
}
