import { DataSource, EntityManager } from 'typeorm';

/**
 * Test and demo fixtures need orders approved in the past, and the API (rightly) stamps an approval
 * with the time it happens. This moves a just-approved order's creation, submission and approval back
 * to `approvedAt`, before anything was shipped against it, and recomputes its fill rollup (after
 * deleting it: an order's approval may not change under fill-rate facts, migration OrderFillSummary). Shipments
 * and receipts are then recorded through the API with their own back-dated times, so every stock
 * movement is still written by the ledger. Never used by the product itself.
 */
export async function backdateApproval(db: DataSource | EntityManager, orderNumber: string, approvedAt: Date): Promise<void> {
  const [row] = await db.query(
    `SELECT id FROM supply_order WHERE number = $1 AND approved_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM shipment WHERE order_id = supply_order.id)
        AND NOT EXISTS (SELECT 1 FROM receipt WHERE order_id = supply_order.id)`,
    [orderNumber],
  );
  if (!row) throw new Error(`backdateApproval: ${orderNumber} is not an approved order with nothing shipped yet`);
  // Its fill-rate facts go first (the summary subtracts them under the old approval day), then come back.
  await db.query('DELETE FROM order_fill WHERE order_id = $1', [row.id]);
  await db.query(
    `UPDATE supply_order SET created_at = $2::timestamptz - interval '2 hours', submitted_at = $2::timestamptz - interval '1 hour', approved_at = $2 WHERE id = $1`,
    [row.id, approvedAt],
  );
  await db.query('SELECT order_fill_refresh($1::int[])', [[row.id]]);
}
