import { DataSource, EntityManager } from 'typeorm';
import { groupBy } from '../../domain/collections';
import { shortfall } from '../../domain/stock';

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
  unitMaxMonths: number;
  warehouseMaxMonths: number;
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
 *   dispatched (`shortfall`, the one definition the suggested order uses too; never below 0).
 */
export function position(p: Omit<Position, 'atRisk' | 'overstock' | 'excess' | 'need' | 'lots'> & { lots: Array<{ lotNumber: string; expiresOn: string | null; quantity: number }> }, today: string): Position {
  const lots = [...p.lots].sort((a, b) => (a.expiresOn ?? '9999-12-31').localeCompare(b.expiresOn ?? '9999-12-31') || a.lotNumber.localeCompare(b.lotNumber));
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
    need: shortfall(p, p.pendingIn),
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
 * Every location's position in the claves asked for (the high-cost claves unless one is named), read
 * in a few set-based statements: its CPM in force, usable lots, pieces in transit, and pieces approved
 * but not yet dispatched to and from it. Only operating establishments of the network with a CPM count.
 */
export async function positions(db: Db, q: RedistributionQuery): Promise<Position[]> {
  const base: Array<{ establishment_id: number; clues: string; state_code: string; is_warehouse: boolean; supply_item_id: number; clave: string; cpm: number }> = await db.query(
    `WITH items AS (SELECT id, clave FROM supply_item WHERE CASE WHEN $1::text IS NULL THEN high_cost ELSE clave = $1 END),
          locs AS (SELECT e.id, e.clues, e.state_code, EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = e.id) AS is_warehouse
                     FROM establishment e WHERE e.operating AND e.in_network AND ($2::text IS NULL OR e.state_code = $2)),
          pairs AS (
            SELECT b.establishment_id, b.supply_item_id FROM stock_balance b
             WHERE b.quantity > 0 AND b.supply_item_id IN (SELECT id FROM items) AND b.establishment_id IN (SELECT id FROM locs)
            UNION
            SELECT cs.establishment_id, l.supply_item_id FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
             WHERE cs.year = $3 AND cs.status = 'RATIFIED' AND l.supply_item_id IN (SELECT id FROM items) AND cs.establishment_id IN (SELECT id FROM locs)
            UNION
            SELECT c.establishment_id, c.supply_item_id FROM cpm_calculation c
             WHERE c.value > 0 AND c.month <= $4::date AND c.supply_item_id IN (SELECT id FROM items) AND c.establishment_id IN (SELECT id FROM locs)
          )
     SELECT p.establishment_id, l.clues, l.state_code, l.is_warehouse, p.supply_item_id, i.clave, f.cpm
       FROM pairs p JOIN locs l ON l.id = p.establishment_id JOIN items i ON i.id = p.supply_item_id
       JOIN LATERAL cpm_in_force(p.establishment_id, p.supply_item_id, $3, $4::date) f ON f.cpm IS NOT NULL
      ORDER BY i.clave, l.clues`,
    [q.clave, q.stateCode, q.year, q.month],
  );
  if (!base.length) return [];
  const ests = [...new Set(base.map((b) => b.establishment_id))];
  const items = [...new Set(base.map((b) => b.supply_item_id))];
  const [lots, transit, pending] = await Promise.all([
    db.query(
      `SELECT b.establishment_id, b.supply_item_id, l.lot_number, l.expires_on::text AS expires_on, b.quantity
         FROM stock_balance b JOIN lot l ON l.id = b.lot_id
        WHERE b.establishment_id = ANY ($1::int[]) AND b.supply_item_id = ANY ($2::int[]) AND b.quantity > 0
          AND (l.expires_on IS NULL OR l.expires_on >= $3::date)`,
      [ests, items, q.today],
    ),
    db.query(
      `SELECT establishment_id, supply_item_id, pieces::int FROM stock_in_transit
        WHERE establishment_id = ANY ($1::int[]) AND supply_item_id = ANY ($2::int[])`,
      [ests, items],
    ),
    db.query(
      `SELECT requesting_id, supplying_id, supply_item_id, pieces::int FROM stock_pending
        WHERE supply_item_id = ANY ($2::int[]) AND (requesting_id = ANY ($1::int[]) OR supplying_id = ANY ($1::int[]))`,
      [ests, items],
    ),
  ]);
  const k = (e: number, i: number) => `${e}|${i}`;
  const lotsOf = groupBy(
    (lots as Array<{ establishment_id: number; supply_item_id: number; lot_number: string; expires_on: string | null; quantity: number }>).map((l) => ({
      key: k(l.establishment_id, l.supply_item_id),
      lotNumber: l.lot_number,
      expiresOn: l.expires_on,
      quantity: l.quantity,
    })),
    (l) => l.key,
  );
  const transitOf = new Map<string, number>(transit.map((t: { establishment_id: number; supply_item_id: number; pieces: number }) => [k(t.establishment_id, t.supply_item_id), t.pieces]));
  const pendingIn = new Map<string, number>();
  const pendingOut = new Map<string, number>();
  for (const p of pending as Array<{ requesting_id: number; supplying_id: number; supply_item_id: number; pieces: number }>) {
    pendingIn.set(k(p.requesting_id, p.supply_item_id), (pendingIn.get(k(p.requesting_id, p.supply_item_id)) ?? 0) + p.pieces);
    pendingOut.set(k(p.supplying_id, p.supply_item_id), (pendingOut.get(k(p.supplying_id, p.supply_item_id)) ?? 0) + p.pieces);
  }
  return base.map((b) => {
    const key = k(b.establishment_id, b.supply_item_id);
    const l = (lotsOf.get(key) ?? []).map(({ key: _k, ...lot }) => lot);
    return position(
      {
        establishmentId: b.establishment_id,
        clues: b.clues,
        stateCode: b.state_code,
        supplyItemId: b.supply_item_id,
        clave: b.clave,
        cpm: b.cpm,
        maxMonths: b.is_warehouse ? q.warehouseMaxMonths : q.unitMaxMonths,
        usable: l.reduce((s, x) => s + x.quantity, 0),
        inTransit: transitOf.get(key) ?? 0,
        pendingIn: pendingIn.get(key) ?? 0,
        pendingOut: pendingOut.get(key) ?? 0,
        lots: l,
      },
      q.today,
    );
  });
}

/** Suggestions for every clave asked for, clave by clave. */
export async function suggestions(db: Db, q: RedistributionQuery): Promise<Suggestion[]> {
  const all = await positions(db, q);
  return [...groupBy(all, (p) => p.clave).values()].flatMap((ps) => pair(ps, q.today));
}
