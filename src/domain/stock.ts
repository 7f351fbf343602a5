/**
 * Stock rules of SPEC §4 that need no database: which pieces are usable on a day and first-expiry-
 * first-out allocation. The stock status is computed where the lists are filtered, in SQL
 * (stock_status, migration Cpm).
 */

/** A lot is usable on `day` when it has no expiry date or expires on that day or later. */
export function isUsableOn(expiresOn: string | null, day: string): boolean {
  return expiresOn === null || expiresOn >= day;
}

export interface LotStock {
  lotId: number;
  lotNumber: string;
  expiresOn: string | null;
  quantity: number;
}

/** FEFO order: the lot that expires soonest first; lots without expiry last; ties by lot number. */
export function fefoOrder(a: LotStock, b: LotStock): number {
  if (a.expiresOn !== b.expiresOn) {
    if (a.expiresOn === null) return 1;
    if (b.expiresOn === null) return -1;
    return a.expiresOn < b.expiresOn ? -1 : 1;
  }
  return a.lotNumber < b.lotNumber ? -1 : a.lotNumber > b.lotNumber ? 1 : 0;
}

/**
 * Takes `quantity` pieces from the lots usable on `day`, soonest expiry first. Returns the pieces
 * per lot, or the usable total when it is not enough. Does not change `lots`.
 */
export function allocateFefo(
  lots: readonly LotStock[],
  quantity: number,
  day: string,
): { ok: true; takes: Array<{ lot: LotStock; quantity: number }> } | { ok: false; usable: number } {
  const usable = lots.filter((l) => l.quantity > 0 && isUsableOn(l.expiresOn, day)).sort(fefoOrder);
  const total = usable.reduce((sum, l) => sum + l.quantity, 0);
  if (total < quantity) return { ok: false, usable: total };
  const takes: Array<{ lot: LotStock; quantity: number }> = [];
  let left = quantity;
  for (const lot of usable) {
    if (left === 0) break;
    const take = Math.min(lot.quantity, left);
    takes.push({ lot, quantity: take });
    left -= take;
  }
  return { ok: true, takes };
}

export enum StockStatus {
  STOCKED_OUT = 'STOCKED_OUT',
  UNDERSTOCKED = 'UNDERSTOCKED',
  ADEQUATE = 'ADEQUATE',
  OVERSTOCKED = 'OVERSTOCKED',
  NO_CPM = 'NO_CPM',
}
