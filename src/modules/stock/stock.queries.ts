import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../../db/prepared';
import { sqlVariants } from '../../db/sql';
import { LedgerMismatch, LotLevel, MovementKind, Receipt, ReceiptLine, StockLevel, StockMovement } from './stock.types';
import { StockStatus } from '../../domain/stock';

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

/** A page of a location's movements in business-time order, after the (occurredAt, id) cursor. */
export async function movementPage(
  db: Db,
  q: { establishmentId: number; supplyItemId?: number; from?: Date; to?: Date; after?: [string, string]; limit: number },
): Promise<StockMovement[]> {
  const rows = await db.query(
    `${MOVEMENT_SELECT}
      WHERE m.establishment_id = $1
        AND ($2::int IS NULL OR m.supply_item_id = $2)
        AND ($3::timestamptz IS NULL OR m.occurred_at >= $3)
        AND ($4::timestamptz IS NULL OR m.occurred_at < $4)
        AND ($5::timestamptz IS NULL OR (m.occurred_at, m.id) > ($5, $6::bigint))
      ORDER BY m.occurred_at, m.id
      LIMIT $7`,
    [q.establishmentId, q.supplyItemId ?? null, q.from ?? null, q.to ?? null, q.after?.[0] ?? null, q.after?.[1] ?? null, q.limit],
  );
  return rows.map(toMovement);
}

export async function countMovements(db: Db, q: { establishmentId: number; supplyItemId?: number; from?: Date; to?: Date }): Promise<number> {
  const [{ n }] = await db.query(
    `SELECT count(*) AS n FROM stock_movement m
      WHERE m.establishment_id = $1 AND ($2::int IS NULL OR m.supply_item_id = $2)
        AND ($3::timestamptz IS NULL OR m.occurred_at >= $3) AND ($4::timestamptz IS NULL OR m.occurred_at < $4)`,
    [q.establishmentId, q.supplyItemId ?? null, q.from ?? null, q.to ?? null],
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
 * A (location, clave)'s lots holding pieces as a JSON array, over balances `b` joined to lots `l`;
 * `day` is the SQL for the day a lot counts as expired after. Each lot is a compact array
 * [lotNumber, expiresOn, quantity, expired] (building an array costs PostgreSQL much less than an
 * object with its keys), made a LotLevel by `toLotLevels`, which also puts them in FEFO order (an
 * ORDER BY inside the aggregate made PostgreSQL sort each clave's one or two lots apart). The stock
 * page and the lots loader both read lots through it.
 */
const lotLevels = (day: string, when = 'true') => `
  coalesce(json_agg(json_build_array(l.lot_number, l.expires_on::text, b.quantity, coalesce(l.expires_on < ${day}, false)))
           FILTER (WHERE ${when} AND b.quantity > 0), '[]')`;

type LotTuple = [string, string | null, number, boolean];

/** FEFO: the lot that expires first, lots without expiry last; then by lot number (code-point order, as COLLATE "C"). */
function fefo(a: LotTuple, b: LotTuple): number {
  if (a[1] !== b[1]) return a[1] === null ? 1 : b[1] === null ? -1 : a[1] < b[1] ? -1 : 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function toLotLevels(tuples: LotTuple[]): LotLevel[] {
  if (tuples.length > 1) tuples.sort(fefo);
  return tuples.map((t) => {
    const lot = new LotLevel();
    lot.lotNumber = t[0];
    lot.expiresOn = t[1];
    lot.quantity = t[2];
    lot.expired = t[3];
    return lot;
  });
}

/** The CTEs every stock statement starts with: the year's ratified CPM lines and the pieces in transit to the location (view stock_in_transit). */
const RATIFIED_AND_TRANSIT = `
  WITH ratified AS (
    SELECT l.supply_item_id, l.cpm FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
     WHERE cs.establishment_id = $1 AND cs.year = $3 AND cs.status = 'RATIFIED'
  ),
  transit AS (
    SELECT supply_item_id, pieces FROM stock_in_transit WHERE establishment_id = $1
  )`;

/**
 * Per clave at a location: pieces on hand and usable on `day`, the CPM in force (the ratified one
 * of the year, else the latest calculation) and the status. Claves with a ratified CPM appear even
 * with no stock ever received: those are stock-outs too.
 *
 * `listed` is every clave the filters keep, with its clave text, materialized once: what an expiry
 * or status filter needs. Every page statement also returns `total`, the count over all pages, so
 * `totalCount` costs no second statement.
 */
const LISTED_SQL = `${RATIFIED_AND_TRANSIT},
  items AS (
    SELECT b.supply_item_id,
           sum(b.quantity) AS on_hand,
           coalesce(sum(b.quantity) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= $2::date), 0) AS usable,
           bool_or(b.quantity > 0 AND l.expires_on >= $2::date AND l.expires_on <= $2::date + $8::int) AS expiring
      FROM stock_balance b JOIN lot l ON l.id = b.lot_id
     WHERE b.establishment_id = $1
     GROUP BY 1
    UNION ALL
    SELECT x.supply_item_id, 0, 0, false FROM (SELECT supply_item_id FROM ratified UNION SELECT supply_item_id FROM transit) x
     WHERE NOT EXISTS (SELECT 1 FROM stock_balance b WHERE b.establishment_id = $1 AND b.supply_item_id = x.supply_item_id)
  ),
  listed AS MATERIALIZED (
    SELECT i.*, s.clave FROM items i JOIN supply_item s ON s.id = i.supply_item_id
     WHERE ($7::text[] IS NULL OR s.clave = ANY ($7::text[])) AND ($8::int IS NULL OR i.expiring)
  )`;

/**
 * The CPM in force, pieces in transit and status of the claves in `source` (a relation with `listed`'s
 * columns). The CPM in force is `cpm_in_force`'s rule — the year's ratified CPM, else the latest
 * calculation — written as a join: the ratified lines are the `ratified` CTE the statement has already
 * read, and the calculation is looked up only for the claves without one (calling the function per
 * clave looked up the ratified submission again for each). A test holds the two equal.
 */
const levelsOf = (source: string, columns = 'x.*, c.cpm, c.source, coalesce(t.pieces, 0) AS in_transit') => `
    SELECT ${columns},
           stock_status(x.usable::bigint, c.cpm, $5::numeric, $6::numeric) AS status
      FROM ${source} x
      LEFT JOIN ratified r ON r.supply_item_id = x.supply_item_id
      LEFT JOIN LATERAL (
        SELECT calc.value FROM cpm_calculation calc
         WHERE r.supply_item_id IS NULL AND calc.establishment_id = $1 AND calc.supply_item_id = x.supply_item_id
           AND calc.month <= $4::date AND calc.value IS NOT NULL
         ORDER BY calc.month DESC LIMIT 1
      ) latest ON true
      CROSS JOIN LATERAL (
        SELECT coalesce(r.cpm, latest.value) AS cpm,
               CASE WHEN r.cpm IS NOT NULL THEN 'RATIFIED' WHEN latest.value IS NOT NULL THEN 'CALCULATED' END AS source
      ) c
      LEFT JOIN transit t ON t.supply_item_id = x.supply_item_id`;

/** Whether supply item `id` is at the location: a balance (even of 0), a ratified CPM, or pieces in transit (hashed once per statement). */
const HELD = (id: string) => `(${id} IN (SELECT supply_item_id FROM stock_balance WHERE establishment_id = $1)
    OR ${id} IN (SELECT supply_item_id FROM ratified) OR ${id} IN (SELECT supply_item_id FROM transit))`;

/** Which of the everyday page's optional columns a query shows (the others are neither computed nor sent). */
export interface PageColumns {
  /** `totalCount`: the count over all pages. */
  total: boolean;
  /** `onHand`, `expired`: pieces on hand, expired included. */
  onHand: boolean;
  /** `cpmSource`. */
  source: boolean;
  /** `inTransit`. */
  inTransit: boolean;
}

export const ALL_PAGE_COLUMNS: PageColumns = { total: true, onHand: true, source: true, inTransit: true };

/**
 * The page without an expiry or status filter (the pharmacy's everyday page). The page walks the
 * catalogue in clave order and keeps the claves the location holds (a hashed set of its balances'
 * claves), stopping at the page size; `total` counts the claves with a balance from the
 * (location, clave) index, plus those ratified or in transit without one. With `byClaves` ($7) both
 * are limited to the claves given. The balances are added up, and the CPM looked up, for the claves
 * of the page only; with $12 each row also carries its lots, so that `lots` needs no second statement.
 * $10 the clave to start after, $11 the page size. Columns the query does not show are left out
 * (`shows`): on a page of 100, reading them cost the server a third of its time parsing rows.
 */
const pageSql = (byClaves: boolean, shows: PageColumns) => `${RATIFIED_AND_TRANSIT},
  ${
    shows.total
      ? `total AS (
    SELECT ${
      byClaves
        ? `(SELECT count(*) FROM supply_item s WHERE s.clave = ANY ($7::text[]) AND ${HELD('s.id')})`
        : `(SELECT count(*) FROM (SELECT DISTINCT supply_item_id FROM stock_balance WHERE establishment_id = $1) h)
         + (SELECT count(*) FROM (SELECT supply_item_id FROM ratified UNION SELECT supply_item_id FROM transit) x
             WHERE NOT EXISTS (SELECT 1 FROM stock_balance b WHERE b.establishment_id = $1 AND b.supply_item_id = x.supply_item_id))`
    } AS total
  ),`
      : ''
  }
  page AS (
    SELECT s.id AS supply_item_id, s.clave${shows.total ? ', total.total FROM total,' : ' FROM'} supply_item s
     WHERE s.clave > coalesce($10::text, '') ${byClaves ? 'AND s.clave = ANY ($7::text[])' : ''} AND ${HELD('s.id')}
     ORDER BY s.clave LIMIT $11
  ),
  listed AS (
    SELECT p.*,
           ${shows.onHand ? 'coalesce(sum(b.quantity), 0) AS on_hand,' : ''}
           coalesce(sum(b.quantity) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= $2::date), 0) AS usable,
           -- the lots, when the query shows them ($12)
           ${lotLevels('$2::date', '$12::boolean')} AS lots
      FROM page p LEFT JOIN stock_balance b ON b.establishment_id = $1 AND b.supply_item_id = p.supply_item_id LEFT JOIN lot l ON l.id = b.lot_id
     GROUP BY ${shows.total ? 'p.supply_item_id, p.clave, p.total' : 'p.supply_item_id, p.clave'}
  )
  ${levelsOf('listed', ['x.*', 'c.cpm', ...(shows.source ? ['c.source'] : []), ...(shows.inTransit ? ['coalesce(t.pieces, 0) AS in_transit'] : [])].join(', '))}
   -- every parameter is named so that PostgreSQL can type it
   WHERE $8::int IS NULL AND $9::text[] IS NULL ${byClaves ? '' : 'AND $7::text[] IS NULL'}
   ORDER BY x.clave`;

/** One text per combination of the claves filter and the columns shown (at most 32). */
const everydayPageSql = sqlVariants((o: PageColumns & { byClaves: boolean }) => pageSql(o.byClaves, o));

/** The page with an expiry or status filter: every clave's balances are added up (and, for a status, its CPM looked up). */
const FILTERED_PAGE_SQL = `${LISTED_SQL},
  page AS (
    SELECT * FROM (SELECT listed.*, count(*) OVER () AS total FROM listed) x
     WHERE ($10::text IS NULL OR x.clave > $10) ORDER BY x.clave LIMIT $11
  )
  ${levelsOf('page')}
   WHERE $9::text[] IS NULL
   ORDER BY x.clave`;

const PAGE_BY_STATUS_SQL = `${LISTED_SQL},
  levels AS (${levelsOf('listed')}),
  kept AS (SELECT *, count(*) OVER () AS total FROM levels WHERE status = ANY ($9::text[]))
  SELECT * FROM kept WHERE ($10::text IS NULL OR clave > $10) ORDER BY clave LIMIT $11`;

function stockParams(f: StockFilterSql): unknown[] {
  return [f.establishmentId, f.day, f.year, f.month, f.minMonths, f.maxMonths, f.claves ?? null, f.expiringWithinDays ?? null, f.statuses ?? null];
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
  shows: PageColumns = ALL_PAGE_COLUMNS,
): Promise<{ rows: StockLevel[]; total: number | null }> {
  const everyday = !f.statuses && f.expiringWithinDays == null;
  const rows: Array<{
    supply_item_id: number;
    clave: string;
    on_hand?: string;
    usable: string;
    cpm: number | null;
    source?: string | null;
    status: string;
    in_transit?: string;
    total?: string;
    lots?: LotTuple[];
  }> = everyday
    ? await preparedQuery(db, everydayPageSql({ byClaves: !!f.claves, total: shows.total, onHand: shows.onHand, source: shows.source, inTransit: shows.inTransit }), [...stockParams(f), after ?? null, limit, withLots])
    : await preparedQuery(db, f.statuses ? PAGE_BY_STATUS_SQL : FILTERED_PAGE_SQL, [...stockParams(f), after ?? null, limit]);
  const levels = new Array<StockLevel>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const s = new StockLevel();
    s.establishmentId = f.establishmentId;
    s.supplyItemId = r.supply_item_id;
    s.clave = r.clave;
    s.usable = Number(r.usable);
    // columns the query does not show are not read (the everyday page leaves them out)
    if (r.on_hand !== undefined) {
      s.onHand = Number(r.on_hand);
      s.expired = s.onHand - s.usable;
    }
    if (r.in_transit !== undefined) s.inTransit = Number(r.in_transit);
    s.cpm = r.cpm;
    if (r.source !== undefined) s.cpmSource = r.source;
    s.monthsOfStock = r.cpm ? s.usable / r.cpm : null;
    s.minMonths = f.minMonths;
    s.maxMonths = f.maxMonths;
    s.status = r.status as StockStatus;
    s.asOf = f.day;
    if (withLots && r.lots) s.loadedLots = toLotLevels(r.lots);
    levels[i] = s;
  }
  return { total: rows.length && rows[0].total !== undefined ? Number(rows[0].total) : null, rows: levels };
}

/** How many levels the filter keeps: for a page that came back empty (past the end, or `first: 0`). */
export async function countStock(db: Db, f: StockFilterSql): Promise<number> {
  const sql = f.statuses
    ? `${LISTED_SQL}, levels AS (${levelsOf('listed')}) SELECT count(*) AS n FROM levels WHERE status = ANY ($9::text[])`
    : `${LISTED_SQL} SELECT count(*) AS n FROM listed
        -- every parameter is named so that PostgreSQL can type it
        WHERE $4::date IS NOT NULL AND $5::numeric IS NOT NULL AND $6::numeric IS NOT NULL AND $9::text[] IS NULL`;
  const [{ n }] = await db.query(sql, stockParams(f));
  return Number(n);
}

/** The lots holding pieces, FEFO order, for many (location, clave) pairs in one statement. */
export async function lotsFor(db: Db, keys: ReadonlyArray<{ establishmentId: number; supplyItemId: number }>, day: string): Promise<Map<string, LotLevel[]>> {
  const rows: Array<{ est: number; item: number; lots: LotTuple[] }> = await preparedQuery(
    db,
    `SELECT b.establishment_id AS est, b.supply_item_id AS item, ${lotLevels('$3::date')} AS lots
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
