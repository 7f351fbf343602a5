import { DataSource, EntityManager } from 'typeorm';

/**
 * Test and demo fixtures need orders approved in the past, and the API (rightly) stamps an approval
 * with the time it happens. This moves a just-approved order's creation, submission and approval back
 * to `approvedAt`, before anything was shipped against it, and recomputes its fill rollup. Shipments
 * and receipts are then recorded through the API with their own back-dated times, so every stock
 * movement is still written by the ledger. Never used by the product itself.
 */
export async function backdateApproval(db: DataSource | EntityManager, orderNumber: string, approvedAt: Date): Promise<void> {
  // TypeORM returns [rows, count] for an UPDATE.
  const [rows] = await db.query(
    `UPDATE supply_order SET created_at = $2::timestamptz - interval '2 hours', submitted_at = $2::timestamptz - interval '1 hour', approved_at = $2
      WHERE number = $1 AND approved_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM shipment WHERE order_id = supply_order.id)
        AND NOT EXISTS (SELECT 1 FROM receipt WHERE order_id = supply_order.id)
      RETURNING id`,
    [orderNumber, approvedAt],
  );
  const row = rows[0];
  if (!row) throw new Error(`backdateApproval: ${orderNumber} is not an approved order with nothing shipped yet`);
  await db.query('SELECT order_fill_refresh($1::int[])', [[row.id]]);
}
