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

/**
 * A location's need of a clave (SPEC §4): the pieces it lacks to reach CPM × maxMonths once what is in
 * transit to it (view stock_in_transit) and what is approved for it but not yet dispatched (`pendingIn`,
 * view stock_pending) arrive; never below zero. It is the suggested replenishment and the
 * redistribution's need alike: SPEC §4 writes the latter without the pending pieces, but a unit that
 * a redistribution order already promised pieces to would then be offered them a second time.
 */
export function shortfall(p: { cpm: number; maxMonths: number; usable: number; inTransit: number }, pendingIn = 0): number {
  return Math.max(0, Math.ceil(p.cpm * p.maxMonths) - p.usable - p.inTransit - pendingIn);
}

export enum StockStatus {
  STOCKED_OUT = 'STOCKED_OUT',
  UNDERSTOCKED = 'UNDERSTOCKED',
  ADEQUATE = 'ADEQUATE',
  OVERSTOCKED = 'OVERSTOCKED',
  NO_CPM = 'NO_CPM',
}
