import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../../db/prepared';
import { sqlVariants } from '../../db/sql';
import { LedgerMismatch, LotLevel, MovementKind, Receipt, ReceiptLine, StockLevel, StockMovement } from './stock.types';
import { compareFefo, monthsOfStock, StockStatus, suggestedQuantity } from '../../domain/stock';
import { CpmSource } from '../../domain/enums';
import { heldSql, heldTest, lotTuplesSql, positionSql, PositionSql } from './stock.position';

type Db = DataSource | EntityManager;

const MOVEMENT_SELECT = `
  SELECT m.id::text AS pk, m.establishment_id AS "establishmentId", m.supply_item_id AS "supplyItemId",
         e.clues, s.clave, l.lot_number AS "lotNumber", l.expires_on::text AS "expiresOn", m.quantity, m.kind,
         m.reason, m.note, m.document, m.occurred_at AS "occurredAt", m.recorded_at AS "recordedAt", m.actor,
         m.idempotency_key AS "idempotencyKey", m.reverses_id::text AS "reversesPk", r.id::text AS "reversedByPk"
    FROM stock_movement m
    JOIN establishment e ON e.id = m.establishment_id
    JOIN supply_item s ON s.id = m.supply_item_id
    JOIN lot l ON l.id = m.lot_id
    LEFT JOIN stock_movement r ON r.reverses_id = m.id`;

function toMovement(row: Record<string, unknown>): StockMovement {
  return Object.assign(new StockMovement(), row, { kind: row.kind as MovementKind });
}

export async function movementsByIds(db: Db, ids: readonly string[]): Promise<StockMovement[]> {
  const rows = await db.query(`${MOVEMENT_SELECT} WHERE m.id = ANY($1::bigint[]) ORDER BY m.id`, [ids]);
  return rows.map(toMovement);
}

/** The movements one caller wrote under one idempotency key (keys belong to their caller). */
export async function movementsByKey(db: Db, actor: string, idempotencyKey: string): Promise<StockMovement[]> {
  const rows = await db.query(`${MOVEMENT_SELECT} WHERE m.idempotency_key = $1 AND m.actor = $2 ORDER BY m.id`, [idempotencyKey, actor]);
  return rows.map(toMovement);
}

/** Every CLUES this one replaced, directly or through a chain of re-keyings (establishment_succession). */
export async function predecessorIds(db: Db, establishmentId: number): Promise<number[]> {
  const rows: Array<{ id: number }> = await db.query(
    `WITH RECURSIVE chain(id) AS (
       SELECT predecessor_id FROM establishment_succession WHERE successor_id = $1
       UNION
       SELECT l.predecessor_id FROM establishment_succession l JOIN chain c ON l.successor_id = c.id
     ) SELECT id FROM chain ORDER BY id`,
    [establishmentId],
  );
  return rows.map((r) => r.id);
}

const locationIn = (ids: number[]) => (ids.length === 1 ? 'm.establishment_id = $1::int' : 'm.establishment_id = ANY ($1::int[])');
const locationParam = (ids: number[]) => (ids.length === 1 ? ids[0] : ids);

/** A page of a location's movements in business-time order, after the (occurredAt, id) cursor. */
export async function movementPage(
  db: Db,
  q: { establishmentIds: number[]; supplyItemId?: number; from?: Date; to?: Date; after?: [string, string]; limit: number },
): Promise<StockMovement[]> {
  // One location (every call but includePredecessors) keeps `= $1`: with `= ANY` PostgreSQL cannot walk
  // the (location, occurred_at, id) index in order and sorts the location's whole ledger (0.4 ms → 100 ms
  // for the busiest CLUES of the national data set).
  const rows = await db.query(
    `${MOVEMENT_SELECT}
      WHERE ${locationIn(q.establishmentIds)}
        AND ($2::int IS NULL OR m.supply_item_id = $2)
        AND ($3::timestamptz IS NULL OR m.occurred_at >= $3)
        AND ($4::timestamptz IS NULL OR m.occurred_at < $4)
        AND ($5::timestamptz IS NULL OR (m.occurred_at, m.id) > ($5, $6::bigint))
      ORDER BY m.occurred_at, m.id
      LIMIT $7`,
    [locationParam(q.establishmentIds), q.supplyItemId ?? null, q.from ?? null, q.to ?? null, q.after?.[0] ?? null, q.after?.[1] ?? null, q.limit],
  );
  return rows.map(toMovement);
}

export async function countMovements(db: Db, q: { establishmentIds: number[]; supplyItemId?: number; from?: Date; to?: Date }): Promise<number> {
  const [{ n }] = await db.query(
    `SELECT count(*) AS n FROM stock_movement m
      WHERE ${locationIn(q.establishmentIds)} AND ($2::int IS NULL OR m.supply_item_id = $2)
        AND ($3::timestamptz IS NULL OR m.occurred_at >= $3) AND ($4::timestamptz IS NULL OR m.occurred_at < $4)`,
    [locationParam(q.establishmentIds), q.supplyItemId ?? null, q.from ?? null, q.to ?? null],
  );
  return Number(n);
}

export interface StockFilterSql {
  establishmentId: number;
  day: string;
  year: number;
  month: string;
  minMonths: number;
  maxMonths: number;
  claves?: string[] | null;
  /** Only claves with a lot holding pieces that expires within this many days of `day` (expired ones excluded). */
  expiringWithinDays?: number | null;
  statuses?: string[] | null;
}

/**
 * A (location, clave)'s lots as compact arrays [lotNumber, expiresOn, quantity, expired, held] (`lotTuplesSql`:
 * the position's `lots` column and `lotsFor` alike), made LotLevels in FEFO order (an ORDER BY
 * inside the aggregate made PostgreSQL sort each clave's one or two lots apart).
 */
type LotTuple = [string, string | null, number, boolean, boolean];

function toLotLevels(tuples: LotTuple[]): LotLevel[] {
  if (tuples.length > 1) tuples.sort((a, b) => compareFefo(a[1], a[0], b[1], b[0]));
  return tuples.map((t) => {
    const lot = new LotLevel();
    lot.lotNumber = t[0];
    lot.expiresOn = t[1];
    lot.quantity = t[2];
    lot.expired = t[3];
    lot.held = t[4];
    return lot;
  });
}

/**
 * Which of the position's optional column groups each StockLevel field reads: the page leaves out the
 * groups no selected field needs (reading them cost the server a third of its time on a page of 100).
 * A field not listed needs only what every page reads (clave, usable, CPM, band, status).
 */
const FIELD_READS: Readonly<Record<string, ReadonlyArray<'onHand' | 'source' | 'inTransit' | 'pending'>>> = {
  onHand: ['onHand'],
  expired: ['onHand'],
  held: ['onHand'],
  cpmSource: ['source'],
  inTransit: ['inTransit'],
  pendingIn: ['pending'],
  pendingOut: ['pending'],
  suggestedQuantity: ['inTransit', 'pending'],
};

/** What a page statement reads: the fields its query selects on each level (all when not known), and whether it counts (`totalCount`). */
export interface PageReads {
  fields: ReadonlySet<string> | 'all';
  total: boolean;
}

export const ALL_READS: PageReads = { fields: 'all', total: true };

function omitted(fields: PageReads['fields']): Array<'onHand' | 'source' | 'inTransit' | 'pending'> {
  if (fields === 'all') return [];
  const read = new Set([...fields].flatMap((f) => FIELD_READS[f] ?? []));
  return (['onHand', 'source', 'inTransit', 'pending'] as const).filter((g) => !read.has(g));
}

/** The position's parameters in every stock statement: $1 location, $2 day, $3 year, $4 month, $5/$6 the location's band. */
const AT_LOCATION = { day: '$2::date', year: '$3::int', month: '$4::date', band: { min: '$5::numeric', max: '$6::numeric' } };

/** $7, the claves filter, as a condition on a clave column. */
const inClaves = (item: string) => `($7::text[] IS NULL OR ${item} IN (SELECT id FROM supply_item WHERE clave = ANY ($7::text[])))`;

/** The claves held at the location ($1), of those given ($7) when `byClaves`. */
const HELD_HERE = (byClaves: boolean) => ({ ...AT_LOCATION, where: (e: string, i: string) => `${e} = $1${byClaves ? ` AND ${inClaves(i)}` : ''}` });

/**
 * The everyday page (no expiry or status filter): the page walks the catalogue in clave order and keeps
 * the claves the location holds (the position's held test, each arm hashed once), stopping at the page size; the
 * positions are read for the claves of the page only, with their lots when $12 holds, so that `lots`
 * needs no second statement. `total` counts the held claves. With `byClaves` ($7) both are limited to
 * the claves given. $10 the clave to start after, $11 the page size.
 */
const everydayPageSql = sqlVariants(
  (o: { byClaves: boolean; total: boolean; omit: string }) => `
  WITH ${o.total ? `total AS (SELECT count(*) AS total FROM (${heldSql(HELD_HERE(o.byClaves))}) h),` : ''}
  page AS (
    SELECT s.id AS supply_item_id, s.clave FROM supply_item s
     WHERE s.clave > coalesce($10::text, '') ${o.byClaves ? 'AND s.clave = ANY ($7::text[])' : ''} AND ${heldTest(HELD_HERE(o.byClaves), 's.id')}
     ORDER BY s.clave LIMIT $11
  ),
  pos AS (${positionSql({
    ...AT_LOCATION,
    keys: 'SELECT $1::int, supply_item_id FROM page',
    where: (e, i) => `${e} = $1 AND ${i} IN (SELECT supply_item_id FROM page)`,
    omit: o.omit ? (o.omit.split(',') as PositionSql['omit']) : [],
    lots: '$12::boolean',
  })})
  SELECT page.clave, pos.* ${o.total ? ', total.total' : ''}
    FROM page JOIN pos ON pos.supply_item_id = page.supply_item_id ${o.total ? 'CROSS JOIN total' : ''}
   -- every parameter is named so that PostgreSQL can type it
   WHERE $8::int IS NULL AND $9::text[] IS NULL ${o.byClaves ? '' : 'AND $7::text[] IS NULL'}
   ORDER BY page.clave`,
);

/**
 * Every position the filters keep, with its clave: the location's held claves, those of $7 when given,
 * with a lot holding pieces that expires within $8 days (expired lots excluded), of a status in $9.
 */
const LISTED_SQL = `
  WITH pos AS (${positionSql({ ...AT_LOCATION, keys: 'held', where: (e, i) => `${e} = $1 AND ${inClaves(i)}` })}),
  listed AS (
    SELECT s.clave, pos.* FROM pos JOIN supply_item s ON s.id = pos.supply_item_id
     WHERE ($9::text[] IS NULL OR pos.status = ANY ($9::text[]))
       AND ($8::int IS NULL OR EXISTS (
             SELECT 1 FROM stock_balance b JOIN lot l ON l.id = b.lot_id
              WHERE b.establishment_id = $1 AND b.supply_item_id = pos.supply_item_id AND b.quantity > 0
                AND l.expires_on >= $2::date AND l.expires_on <= $2::date + $8::int))
  )`;

/** The page with an expiry or status filter: every held clave's position is read, then filtered. */
const FILTERED_PAGE_SQL = `${LISTED_SQL}
  SELECT * FROM (SELECT listed.*, count(*) OVER () AS total FROM listed) x
   WHERE ($10::text IS NULL OR x.clave > $10) ORDER BY x.clave LIMIT $11`;

function stockParams(f: StockFilterSql): unknown[] {
  return [f.establishmentId, f.day, f.year, f.month, f.minMonths, f.maxMonths, f.claves ?? null, f.expiringWithinDays ?? null, f.statuses ?? null];
}

interface PositionRow {
  supply_item_id: number;
  clave: string;
  on_hand: string | null;
  usable: string;
  held: string | null;
  in_transit: string | null;
  pending_in: string | null;
  pending_out: string | null;
  cpm: number | null;
  cpm_source: CpmSource | null;
  min_months: string;
  max_months: string;
  status: string;
  total?: string;
  lots?: LotTuple[];
}

/**
 * One page of a location's stock levels in clave order, and how many levels the filter keeps over
 * all pages (null when the page is empty). With `withLots`, the everyday page (no expiry or status
 * filter) also brings each level's lots (`loadedLots` stays undefined otherwise). Each row becomes its
 * StockLevel directly: a page of 100 is a few hundred objects, and each intermediate copy is garbage.
 */
export async function stockPage(
  db: Db,
  f: StockFilterSql,
  after: string | undefined,
  limit: number,
  withLots = false,
  reads: PageReads = ALL_READS,
): Promise<{ rows: StockLevel[]; total: number | null }> {
  const everyday = !f.statuses && f.expiringWithinDays == null;
  const rows: PositionRow[] = everyday
    ? await preparedQuery(db, everydayPageSql({ byClaves: !!f.claves, total: reads.total, omit: omitted(reads.fields).join(',') }), [
        ...stockParams(f),
        after ?? null,
        limit,
        withLots,
      ])
    : await preparedQuery(db, FILTERED_PAGE_SQL, [...stockParams(f), after ?? null, limit]);
  const levels = new Array<StockLevel>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const s = toStockLevel(f, rows[i]);
    if (withLots && rows[i].lots) s.loadedLots = toLotLevels(rows[i].lots!);
    levels[i] = s;
  }
  return { total: rows.length && rows[0].total !== undefined ? Number(rows[0].total) : null, rows: levels };
}

/** A position row as the StockLevel the API shows; columns the statement left out (NULL) are not set. */
function toStockLevel(f: { establishmentId: number; day: string }, r: PositionRow): StockLevel {
  const s = new StockLevel();
  s.establishmentId = f.establishmentId;
  s.supplyItemId = r.supply_item_id;
  s.clave = r.clave;
  s.usable = Number(r.usable);
  if (r.on_hand !== null) {
    s.onHand = Number(r.on_hand);
    s.held = Number(r.held);
    s.expired = s.onHand - s.usable - s.held;
  }
  if (r.in_transit !== null) s.inTransit = Number(r.in_transit);
  if (r.pending_in !== null) s.pendingIn = Number(r.pending_in);
  if (r.pending_out !== null) s.pendingOut = Number(r.pending_out);
  s.cpm = r.cpm;
  s.cpmSource = r.cpm_source;
  s.minMonths = Number(r.min_months);
  s.maxMonths = Number(r.max_months);
  s.monthsOfStock = monthsOfStock(s.usable, r.cpm);
  if (r.in_transit !== null && r.pending_in !== null) s.suggestedQuantity = suggestedQuantity(s);
  s.status = r.status as StockStatus;
  s.asOf = f.day;
  return s;
}

/** How many levels the filter keeps: for a page that came back empty (past the end, or `first: 0`). */
export async function countStock(db: Db, f: StockFilterSql): Promise<number> {
  const [{ n }] = await db.query(`${LISTED_SQL} SELECT count(*) AS n FROM listed`, stockParams(f));
  return Number(n);
}

/** The lots holding pieces, FEFO order, for many (location, clave) pairs in one statement. */
export async function lotsFor(db: Db, keys: ReadonlyArray<{ establishmentId: number; supplyItemId: number }>, day: string): Promise<Map<string, LotLevel[]>> {
  const rows: Array<{ est: number; item: number; lots: LotTuple[] }> = await preparedQuery(
    db,
    `SELECT b.establishment_id AS est, b.supply_item_id AS item, ${lotTuplesSql('$3::date')} AS lots
       FROM stock_balance b JOIN lot l ON l.id = b.lot_id
       JOIN unnest($1::int[], $2::int[]) AS k(est, item) ON b.establishment_id = k.est AND b.supply_item_id = k.item
      GROUP BY 1, 2`,
    [keys.map((k) => k.establishmentId), keys.map((k) => k.supplyItemId), day],
  );
  return new Map(rows.map((r) => [`${r.est}:${r.item}`, toLotLevels(r.lots)]));
}

/** Every balance (of one location, or all) against the sum of its movements. */
export async function ledgerCheck(db: Db, establishmentId: number | null): Promise<{ checked: number; mismatches: LedgerMismatch[] }> {
  const rows: Array<{ clues: string | null; clave: string; lot_number: string; balance: string; ledger_sum: string; n: string }> = await db.query(
    `WITH ledger AS (
       SELECT establishment_id, lot_id, sum(quantity) AS total FROM stock_movement
        WHERE $1::int IS NULL OR establishment_id = $1 GROUP BY 1, 2
     ), balances AS (
       SELECT establishment_id, lot_id, quantity FROM stock_balance WHERE $1::int IS NULL OR establishment_id = $1
     ), compared AS (
       SELECT coalesce(b.establishment_id, g.establishment_id) AS est, coalesce(b.lot_id, g.lot_id) AS lot,
              coalesce(b.quantity, 0) AS balance, coalesce(g.total, 0) AS ledger_sum
         FROM balances b FULL JOIN ledger g ON g.establishment_id = b.establishment_id AND g.lot_id = b.lot_id
     )
     SELECT e.clues, s.clave, l.lot_number, c.balance, c.ledger_sum, count(*) OVER () AS n
       FROM compared c JOIN establishment e ON e.id = c.est JOIN lot l ON l.id = c.lot JOIN supply_item s ON s.id = l.supply_item_id
      ORDER BY (c.balance <> c.ledger_sum) DESC, e.clues, s.clave, l.lot_number`,
    [establishmentId],
  );
  return {
    checked: rows.length ? Number(rows[0].n) : 0,
    mismatches: rows
      .filter((r) => Number(r.balance) !== Number(r.ledger_sum))
      .map((r) => ({ clues: r.clues!, clave: r.clave, lotNumber: r.lot_number, balance: Number(r.balance), ledgerSum: Number(r.ledger_sum) })),
  };
}

export async function receiptById(db: Db, id: number): Promise<Receipt | null> {
  const [r] = await db.query(
    `SELECT r.id AS pk, e.clues, r.source, r.supplier_document AS "supplierDocument", r.order_number AS "orderNumber",
            r.received_at AS "receivedAt", r.recorded_at AS "recordedAt", r.actor
       FROM receipt r JOIN establishment e ON e.id = r.establishment_id WHERE r.id = $1`,
    [id],
  );
  if (!r) return null;
  const lines: ReceiptLine[] = await db.query(
    `SELECT rl.line, s.clave, l.lot_number AS "lotNumber", l.expires_on::text AS "expiresOn", rl.accepted AS "acceptedQuantity",
            rl.rejected AS "rejectedQuantity", rl.rejection_reason AS "rejectionReason"
       FROM receipt_line rl JOIN lot l ON l.id = rl.lot_id JOIN supply_item s ON s.id = l.supply_item_id
      WHERE rl.receipt_id = $1 ORDER BY rl.line`,
    [id],
  );
  return Object.assign(new Receipt(), r, { lines });
}
