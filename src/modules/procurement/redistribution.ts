import { DataSource, EntityManager } from 'typeorm';
import { groupBy } from '../../domain/collections';
import { compareFefo, suggestedQuantity } from '../../domain/stock';
import { positionSql } from '../stock/stock.position';

type Db = DataSource | EntityManager;

export type RedistributionReason = 'EXPIRY_RISK' | 'OVERSTOCK';

/** One location's position in one clave, with every input of its excess and its need. */
export interface Position {
  establishmentId: number;
  clues: string;
  stateCode: string;
  supplyItemId: number;
  clave: string;
  cpm: number;
  maxMonths: number;
  usable: number;
  inTransit: number;
  /** Approved and not yet dispatched: to it (incoming) and from it (outgoing). */
  pendingIn: number;
  pendingOut: number;
  lots: Array<{ lotNumber: string; expiresOn: string | null; quantity: number; atRisk: number }>;
  atRisk: number;
  overstock: number;
  /** Pieces it can give: at risk plus overstock, less what it has already been asked to send. */
  excess: number;
  need: number;
}

export interface Suggestion {
  from: Position;
  to: Position;
  lotNumber: string;
  expiresOn: string | null;
  pieces: number;
  reason: RedistributionReason;
  sameState: boolean;
}

export interface RedistributionQuery {
  clave: string | null;
  stateCode: string | null;
  today: string;
  year: number;
  month: string;
  /** The months-of-stock bands of units and warehouses. */
  bands: { unit: { minMonths: number; maxMonths: number }; warehouse: { minMonths: number; maxMonths: number } };
}

const DAYS_PER_YEAR = 365;

/** Days from `today` to the end of `expiresOn`, inclusive (a lot is usable on its expiry day). */
function daysLeft(today: string, expiresOn: string): number {
  return Math.round((Date.parse(`${expiresOn}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Pieces a location consuming `cpm` a month uses in `days` days. */
function consumedIn(cpm: number, days: number): number {
  return Math.floor((cpm * 12 * days) / DAYS_PER_YEAR);
}

/**
 * A location's excess and need for one clave (SPEC §4):
 * - at risk: going through its usable lots soonest expiry first, the pieces it cannot consume at its
 *   CPM before each lot expires (after the pieces of earlier lots it does consume);
 * - overstock: of the rest, what lies above CPM × maxMonths;
 * - excess = at risk + overstock − pieces already approved to leave it;
 * - need = ⌈CPM × maxMonths⌉ − usable − in transit − pieces approved to come to it and not yet
 *   dispatched: the position's suggested quantity (`suggestedQuantity`), as the suggested order's.
 */
export function position(p: Omit<Position, 'atRisk' | 'overstock' | 'excess' | 'need' | 'lots'> & { lots: Array<{ lotNumber: string; expiresOn: string | null; quantity: number }> }, today: string): Position {
  const lots = [...p.lots].sort((a, b) => compareFefo(a.expiresOn, a.lotNumber, b.expiresOn, b.lotNumber));
  let consumedBefore = 0;
  const withRisk = lots.map((l) => {
    const capacity = l.expiresOn === null ? Infinity : Math.max(0, consumedIn(p.cpm, daysLeft(today, l.expiresOn)) - consumedBefore);
    const atRisk = Math.max(0, l.quantity - capacity);
    consumedBefore += l.quantity - atRisk;
    return { ...l, atRisk };
  });
  const atRisk = withRisk.reduce((s, l) => s + l.atRisk, 0);
  const overstock = Math.max(0, p.usable - atRisk - Math.ceil(p.cpm * p.maxMonths));
  return {
    ...p,
    lots: withRisk,
    atRisk,
    overstock,
    excess: Math.max(0, atRisk + overstock - p.pendingOut),
    need: suggestedQuantity(p)!,
  };
}

/**
 * Pairs excess with need for one clave: the pieces that expire soonest first; each goes to a location
 * of the same state first (the one with the fewest months of stock first), then to other states. A
 * location takes from a lot no more than it can consume at its CPM before the lot expires.
 */
export function pair(positions: Position[], today: string): Suggestion[] {
  // The pieces each source gives, lot by lot: at-risk pieces, then overstock from the lots that expire first.
  const offers: Array<{ from: Position; lotNumber: string; expiresOn: string | null; pieces: number; reason: RedistributionReason }> = [];
  for (const p of positions.filter((x) => x.excess > 0)) {
    let skip = p.pendingOut; // already promised away: taken from the first pieces on offer
    const take = (lot: Position['lots'][number], pieces: number, reason: RedistributionReason) => {
      const used = Math.min(skip, pieces);
      skip -= used;
      if (pieces - used > 0) offers.push({ from: p, lotNumber: lot.lotNumber, expiresOn: lot.expiresOn, pieces: pieces - used, reason });
    };
    for (const lot of p.lots) if (lot.atRisk > 0) take(lot, lot.atRisk, 'EXPIRY_RISK');
    let over = p.overstock;
    for (const lot of p.lots) {
      if (over <= 0) break;
      const n = Math.min(over, lot.quantity - lot.atRisk);
      if (n > 0) take(lot, n, 'OVERSTOCK');
      over -= n;
    }
  }
  offers.sort((a, b) => (a.expiresOn ?? '9999-12-31').localeCompare(b.expiresOn ?? '9999-12-31') || a.from.clues.localeCompare(b.from.clues));
  const need = new Map(positions.map((p) => [p.establishmentId, p.need]));
  const takenFromLot = new Map<string, number>(); // destination|lot → pieces, for the consume-before-expiry cap
  // Who is served first: the fewest months of stock once what is on its way and approved arrives.
  const projectedMonths = (p: Position) => (p.cpm > 0 ? (p.usable + p.inTransit + p.pendingIn) / p.cpm : Infinity);
  const destinations = positions.filter((p) => p.need > 0).sort((a, b) => projectedMonths(a) - projectedMonths(b) || a.clues.localeCompare(b.clues));
  const out: Suggestion[] = [];
  for (const sameState of [true, false]) {
    for (const offer of offers) {
      for (const to of destinations) {
        if (offer.pieces <= 0) break;
        if (to.establishmentId === offer.from.establishmentId || (to.stateCode === offer.from.stateCode) !== sameState) continue;
        const key = `${to.establishmentId}|${offer.lotNumber}`;
        const cap = offer.expiresOn === null ? Infinity : consumedIn(to.cpm, daysLeft(today, offer.expiresOn)) - (takenFromLot.get(key) ?? 0);
        const pieces = Math.min(offer.pieces, need.get(to.establishmentId)!, cap);
        if (pieces <= 0) continue;
        out.push({ from: offer.from, to, lotNumber: offer.lotNumber, expiresOn: offer.expiresOn, pieces, reason: offer.reason, sameState });
        offer.pieces -= pieces;
        need.set(to.establishmentId, need.get(to.establishmentId)! - pieces);
        takenFromLot.set(key, (takenFromLot.get(key) ?? 0) + pieces);
      }
    }
  }
  return out;
}

/**
 * Every location's stock position (src/modules/stock/stock.position.ts) in the claves asked for (the
 * high-cost claves unless one is named), with its usable lots, in one set-based statement. Only operating
 * establishments of the network with a CPM in force count.
 */
export async function positions(db: Db, q: RedistributionQuery): Promise<Position[]> {
  const state = q.stateCode !== null;
  const rows: Array<{
    establishment_id: number;
    clues: string;
    state_code: string;
    supply_item_id: number;
    clave: string;
    cpm: number;
    usable: string;
    in_transit: string;
    pending_in: string;
    pending_out: string;
    max_months: string;
    lots: Array<[string, string | null, number, boolean, boolean]>;
  }> = await db.query(
    `WITH items AS (SELECT id FROM supply_item WHERE CASE WHEN $1::text IS NULL THEN high_cost ELSE clave = $1 END),
          pos AS (${positionSql({
            keys: 'held',
            // nationally, the locations are chosen below (a list of nearly every one cost more than it saved)
            where: (e, i) => `${i} IN (SELECT id FROM items)${state ? ` AND ${e} IN (SELECT id FROM establishment WHERE state_code = $2)` : ''}`,
            day: '$5::date',
            year: '$3::int',
            month: '$4::date',
            band: { unit: { min: '$6::numeric', max: '$7::numeric' }, warehouse: { min: '$8::numeric', max: '$9::numeric' } },
            omit: ['onHand', 'source'],
            lots: 'true',
          })})
     SELECT pos.*, e.clues, e.state_code, s.clave
       FROM pos JOIN establishment e ON e.id = pos.establishment_id JOIN supply_item s ON s.id = pos.supply_item_id
      WHERE pos.cpm IS NOT NULL AND e.operating AND e.in_network AND ($2::text IS NULL OR e.state_code = $2)
      ORDER BY s.clave, e.clues`,
    [q.clave, q.stateCode, q.year, q.month, q.today, q.bands.unit.minMonths, q.bands.unit.maxMonths, q.bands.warehouse.minMonths, q.bands.warehouse.maxMonths],
  );
  return rows.map((r) =>
    position(
      {
        establishmentId: r.establishment_id,
        clues: r.clues,
        stateCode: r.state_code,
        supplyItemId: r.supply_item_id,
        clave: r.clave,
        cpm: r.cpm,
        maxMonths: Number(r.max_months),
        usable: Number(r.usable),
        inTransit: Number(r.in_transit),
        pendingIn: Number(r.pending_in),
        pendingOut: Number(r.pending_out),
        // the usable lots (an expired lot or one on hold is not offered)
        lots: r.lots.filter((l) => !l[3] && !l[4]).map(([lotNumber, expiresOn, quantity]) => ({ lotNumber, expiresOn, quantity })),
      },
      q.today,
    ),
  );
}

/** Suggestions for every clave asked for, clave by clave. */
export async function suggestions(db: Db, q: RedistributionQuery): Promise<Suggestion[]> {
  const all = await positions(db, q);
  return [...groupBy(all, (p) => p.clave).values()].flatMap((ps) => pair(ps, q.today));
}
