import { DataSource, EntityManager } from 'typeorm';
import { positionPartsSql } from './stock.position';

/**
 * What a supplying CLUES can still promise of a clave: the stock position's `usable` and `pending_out`
 * (src/modules/stock/stock.position.ts, the one definition), and
 *
 *   available = max(0, usable − pending_out)
 *
 * — usable pieces not already approved for another order and not yet dispatched. An approver who caps
 * an order to it (`orderApprove(capToAvailable)`) never promises the same piece to two orders; the order
 * being approved is not yet in pending_out (only APPROVED and PARTIALLY_FULFILLED orders are).
 */
export interface SupplierStock {
  usable: number;
  pendingOut: number;
  available: number;
}

export const supplierStockKey = (establishmentId: number, supplyItemId: number) => `${establishmentId}:${supplyItemId}`;

/** One statement for any set of (location, clave): the position's balances (pos_b) and pending out (pos_out) parts. */
export async function supplierStock(
  db: DataSource | EntityManager,
  keys: ReadonlyArray<{ establishmentId: number; supplyItemId: number }>,
  day: string,
): Promise<Map<string, SupplierStock>> {
  if (!keys.length) return new Map();
  const rows: Array<{ establishment_id: number; supply_item_id: number; usable: string; pending_out: string }> = await db.query(
    `WITH ${positionPartsSql({
      where: (e, i) => `${e} = ANY ($1::int[]) AND ${i} = ANY ($2::int[])`,
      day: '$3::date',
      year: `extract(year FROM $3::date)::int`,
      month: `date_trunc('month', $3::date)::date`,
    })}
     SELECT k.establishment_id, k.supply_item_id, coalesce(b.usable, 0) AS usable, coalesce(o.pending_out, 0) AS pending_out
       FROM (SELECT DISTINCT * FROM unnest($1::int[], $2::int[])) AS k (establishment_id, supply_item_id)
       LEFT JOIN pos_b b USING (establishment_id, supply_item_id)
       LEFT JOIN pos_out o USING (establishment_id, supply_item_id)`,
    [keys.map((k) => k.establishmentId), keys.map((k) => k.supplyItemId), day],
  );
  return new Map(
    rows.map((r) => {
      const usable = Number(r.usable);
      const pendingOut = Number(r.pending_out);
      return [supplierStockKey(r.establishment_id, r.supply_item_id), { usable, pendingOut, available: Math.max(0, usable - pendingOut) }];
    }),
  );
}
