/**
 * Stock rules of SPEC §4 that need no database: which pieces are usable on a day, first-expiry-first-out
 * order and allocation, and the per-row arithmetic of a stock position (months of stock, suggested
 * quantity). The stock status is computed where the lists are filtered, in SQL (stock_status,
 * migration Cpm); the position's figures are read by src/modules/stock/stock.position.ts.
 */

import { daysBetween } from './dates';

/** A lot is usable on `day` when it has no expiry date or expires on that day or later. */
export function isUsableOn(expiresOn: string | null, day: string): boolean {
  return expiresOn === null || expiresOn >= day;
}

/** A lot received with fewer days than this left before its expiry is worth a warning (LOT_EXPIRES_SOON). */
export const EXPIRES_SOON_WARNING_DAYS = 90;

/**
 * Whether a lot usable on `day` expires within EXPIRES_SOON_WARNING_DAYS of it (fewer than 90 days left:
 * it may not be used up before it expires). An expired lot is an error elsewhere, not this warning.
 */
export function expiresSoon(expiresOn: string | null, day: string): boolean {
  if (expiresOn === null || !isUsableOn(expiresOn, day)) return false;
  return daysBetween(day, expiresOn) < EXPIRES_SOON_WARNING_DAYS;
}

export interface LotStock {
  lotId: number;
  lotNumber: string;
  expiresOn: string | null;
  quantity: number;
  /** On hold after an alerta sanitaria (the hold's reference): on hand, never usable. */
  heldBy?: string | null;
}

/**
 * FEFO order of two lots by (expiry date, lot number): the lot that expires soonest first; lots without
 * expiry last; ties by lot number in code-point order (as COLLATE "C" sorts them). Every FEFO in the
 * product sorts with it: allocation below, the stock page's lots and the redistribution's offers.
 */
export function compareFefo(aExpiresOn: string | null, aLot: string, bExpiresOn: string | null, bLot: string): number {
  if (aExpiresOn !== bExpiresOn) {
    if (aExpiresOn === null) return 1;
    if (bExpiresOn === null) return -1;
    return aExpiresOn < bExpiresOn ? -1 : 1;
  }
  return aLot < bLot ? -1 : aLot > bLot ? 1 : 0;
}

/** FEFO order of two lots (`compareFefo`). */
export function fefoOrder(a: Pick<LotStock, 'expiresOn' | 'lotNumber'>, b: Pick<LotStock, 'expiresOn' | 'lotNumber'>): number {
  return compareFefo(a.expiresOn, a.lotNumber, b.expiresOn, b.lotNumber);
}

/** Whether a lot's pieces may be used on `day`: not expired, and not on hold. */
export function isUsableLot(lot: Pick<LotStock, 'expiresOn' | 'heldBy'>, day: string): boolean {
  return !lot.heldBy && isUsableOn(lot.expiresOn, day);
}

/**
 * Takes `quantity` pieces from the lots usable on `day` (isUsableLot), soonest expiry first. Returns the pieces
 * per lot, or the usable total when it is not enough. Does not change `lots`.
 */
export function allocateFefo(
  lots: readonly LotStock[],
  quantity: number,
  day: string,
): { ok: true; takes: Array<{ lot: LotStock; quantity: number }> } | { ok: false; usable: number } {
  const usable = lots.filter((l) => l.quantity > 0 && isUsableLot(l, day)).sort(fefoOrder);
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
 * The figures of a stock position (location × clave) the arithmetic below reads; the position itself is
 * read set-based in SQL (src/modules/stock/stock.position.ts), its status by the SQL function
 * stock_status (migration Cpm), which list filters need.
 */
export interface PositionFigures {
  usable: number;
  inTransit: number;
  /** Approved for the location on open replenishment orders and not yet dispatched. */
  pendingIn: number;
  cpm: number | null;
  maxMonths: number;
}

/**
 * Pieces of an order line approved and not yet dispatched (SPEC §4): what the stock position counts as
 * pending in at the requester and pending out at the supplier (view stock_pending, which sums this over
 * open orders), and what "send what is available" sends. Pieces rejected at the destination were
 * dispatched: they are not pending, and are sent again only when the warehouse names them.
 */
export function pendingPieces(approved: number | null, dispatched: number): number {
  return approved === null ? 0 : Math.max(0, approved - dispatched);
}

/** Months of stock (SPEC §4) = usable / CPM; null without a CPM or with a CPM of 0. */
export function monthsOfStock(usable: number, cpm: number | null): number | null {
  return cpm ? usable / cpm : null;
}

/**
 * Suggested replenishment (SPEC §4): the pieces a location lacks to reach CPM × maxMonths once what is in
 * transit to it and what is approved for it but not yet dispatched arrive: max(0, ⌈CPM × maxMonths⌉ −
 * usable − in transit − pending in); null without a CPM. It is the redistribution's need as well: SPEC §4
 * writes the latter without the pending pieces, but a unit that an order already promised pieces to
 * would then be offered them a second time. Whether the clave is authorised for the location's level
 * of care is the order's concern (`suggestedOrder` lists authorised claves only).
 */
export function suggestedQuantity(p: PositionFigures): number | null {
  if (p.cpm === null) return null;
  return Math.max(0, Math.ceil(p.cpm * p.maxMonths) - p.usable - p.inTransit - p.pendingIn);
}

export enum StockStatus {
  STOCKED_OUT = 'STOCKED_OUT',
  UNDERSTOCKED = 'UNDERSTOCKED',
  ADEQUATE = 'ADEQUATE',
  OVERSTOCKED = 'OVERSTOCKED',
  NO_CPM = 'NO_CPM',
}
