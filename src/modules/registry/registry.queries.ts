import { DataSource, EntityManager, In } from 'typeorm';
import { groupBy } from '../../domain/collections';
import { SaiStatus } from '../../domain/enums';
import { ErrorCode, fail } from '../../graphql/errors';
import { Establishment, SaiStatusChange } from './establishment.entity';
import { State } from './state.entity';
import { Warehouse } from './warehouse.entity';

/** Batch reads of the registry: each takes many keys and sends one statement (DataLoader's side). */

type Db = DataSource | EntityManager;

export function statesByCode(db: Db, codes: readonly string[]): Promise<State[]> {
  return db.getRepository(State).findBy({ code: In([...codes]) });
}

export function establishmentsById(db: Db, ids: readonly number[]): Promise<Establishment[]> {
  return db.getRepository(Establishment).findBy({ pk: In([...ids]) });
}

export function establishmentsByClues(db: Db, clues: readonly string[]): Promise<Establishment[]> {
  return db.getRepository(Establishment).findBy({ clues: In([...clues]) });
}

export const WAREHOUSE_SELECT = `
  SELECT w.id AS pk, w.establishment_id AS "establishmentId", w.tier, e.clues
  FROM warehouse w JOIN establishment e ON e.id = w.establishment_id`;

export function toWarehouse(row: { pk: number; establishmentId: number; tier: string; clues: string }): Warehouse {
  return Object.assign(new Warehouse(), row);
}

export async function warehousesBy(db: Db, column: 'id' | 'establishment_id', keys: readonly number[]): Promise<Warehouse[]> {
  const rows = await db.query(`${WAREHOUSE_SELECT} WHERE w.${column} = ANY($1::int[])`, [keys]);
  return rows.map(toWarehouse);
}

export async function warehousesByClues(db: Db, clues: readonly string[]): Promise<Warehouse[]> {
  const rows = await db.query(`${WAREHOUSE_SELECT} WHERE e.clues = ANY($1::text[])`, [clues]);
  return rows.map(toWarehouse);
}

/** The SAI status in force on `day` for each establishment (NOT_STARTED when none is recorded). */
export async function saiStatusOn(db: Db, establishmentIds: readonly number[], day: string): Promise<Map<number, SaiStatus>> {
  const rows: Array<{ establishment_id: number; status: SaiStatus }> = await db.query(
    `SELECT DISTINCT ON (establishment_id) establishment_id, status
       FROM sai_status_change
      WHERE establishment_id = ANY($1::int[]) AND effective_on <= $2
      ORDER BY establishment_id, effective_on DESC`,
    [establishmentIds, day],
  );
  return new Map(rows.map((r) => [r.establishment_id, r.status]));
}

/** Each establishment's SAI status changes, oldest first, for many establishments in one statement. */
export async function saiHistories(db: Db, establishmentIds: readonly number[]): Promise<Map<number, SaiStatusChange[]>> {
  const rows: Array<SaiStatusChange & { establishmentId: number }> = await db.query(
    `SELECT establishment_id AS "establishmentId", status, effective_on::text AS "effectiveOn", recorded_at AS "recordedAt", actor
       FROM sai_status_change WHERE establishment_id = ANY($1::int[]) ORDER BY establishment_id, effective_on`,
    [establishmentIds],
  );
  const byEstablishment = groupBy(rows, (r) => r.establishmentId);
  return new Map([...byEstablishment].map(([id, changes]) => [id, changes.map(({ establishmentId: _e, ...c }) => Object.assign(new SaiStatusChange(), c))]));
}

/**
 * One page of the establishments each warehouse serves, for many warehouses in one statement:
 * a window function numbers each warehouse's rows after the cursor.
 */
export async function servedPages(
  db: Db,
  requests: ReadonlyArray<{ warehouseId: number; after: string | undefined; limit: number }>,
): Promise<Map<string, Establishment[]>> {
  const ids = requests.map((r) => r.warehouseId);
  const afters = requests.map((r) => r.after ?? '');
  const limits = requests.map((r) => r.limit);
  const rows: Array<{ id: number; req: number }> = await db.query(
    `WITH req AS (
       SELECT ord::int AS req, wid, after, lim
         FROM unnest($1::int[], $2::text[], $3::int[]) WITH ORDINALITY AS t(wid, after, lim, ord)
     )
     SELECT p.id, p.req FROM req
     CROSS JOIN LATERAL (
       SELECT e.id, req.req FROM establishment e
        WHERE e.supplying_warehouse_id = req.wid AND e.clues > req.after
        ORDER BY e.clues LIMIT req.lim
     ) p`,
    [ids, afters, limits],
  );
  const found = await establishmentsById(db, rows.map((r) => r.id));
  const byId = new Map(found.map((e) => [e.pk, e]));
  const byRequest = new Map<number, Establishment[]>();
  for (const row of rows) {
    const list = byRequest.get(row.req) ?? [];
    list.push(byId.get(row.id)!);
    byRequest.set(row.req, list);
  }
  const pages = new Map<string, Establishment[]>();
  requests.forEach((r, i) => {
    const page = (byRequest.get(i + 1) ?? []).sort((a, b) => (a.clues < b.clues ? -1 : 1));
    pages.set(servedKey(r.warehouseId, r.after, r.limit), page);
  });
  return pages;
}

export function servedKey(warehouseId: number, after: string | undefined, limit: number): string {
  return `${warehouseId}|${after ?? ''}|${limit}`;
}

export async function servedCounts(db: Db, warehouseIds: readonly number[]): Promise<Map<number, number>> {
  const rows: Array<{ wid: number; n: string }> = await db.query(
    `SELECT supplying_warehouse_id AS wid, count(*) AS n FROM establishment
      WHERE supplying_warehouse_id = ANY($1::int[]) GROUP BY 1`,
    [warehouseIds],
  );
  return new Map(rows.map((r) => [r.wid, Number(r.n)]));
}

/** The id of a registered CLUES, or the user error UNKNOWN_CLUES at `field`. */
export async function requireEstablishment(
  db: Db,
  clues: string,
  field: Array<string | number> = ['clues'],
): Promise<{ id: number; levelOfCare: string | null; careLevel: string | null }> {
  const [row] = await db.query('SELECT id, level_of_care AS "levelOfCare", care_level AS "careLevel" FROM establishment WHERE clues = $1', [clues]);
  if (!row) fail(ErrorCode.UNKNOWN_CLUES, field, `No existe la CLUES ${clues}.`);
  return row;
}
