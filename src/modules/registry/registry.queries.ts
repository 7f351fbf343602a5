import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../../db/prepared';
import { groupBy } from '../../domain/collections';
import { SaiStatus } from '../../domain/enums';
import { ErrorCode, fail } from '../../base/errors';
import { Establishment, SaiStatusChange } from './establishment.entity';
import { Warehouse } from './warehouse.entity';

/** Batch reads of the registry: each takes many keys and sends one statement (DataLoader's side). */

type Db = DataSource | EntityManager;

/**
 * Every column an Establishment object shows, with the property it fills. Lists and loaders read
 * establishments with a plain SELECT of these (or the same as one JSON object, for an
 * establishment joined to another row) and `toEstablishment`: hydrating TypeORM entities, and
 * parsing timestamps no field shows, cost more than the query itself on a page of 100.
 */
const ESTABLISHMENT_FIELDS: ReadonlyArray<[property: string, column: string]> = [
  ['pk', 'id'],
  ['clues', 'clues'],
  ['name', 'name'],
  ['stateCode', 'state_code'],
  ['institutionCode', 'institution_code'],
  ['municipality', 'municipality'],
  ['locality', 'locality'],
  ['jurisdiction', 'jurisdiction'],
  ['establishmentType', 'establishment_type'],
  ['kind', 'kind'],
  ['levelOfCare', 'level_of_care'],
  ['typologyCode', 'typology_code'],
  ['typologyName', 'typology_name'],
  ['operating', 'operating'],
  ['inNetwork', 'in_network'],
  ['inNetworkSince', 'in_network_since::text'],
  ['operatingSince', 'operating_since::text'],
  ['closedOn', 'closed_on::text'],
  ['supplyingWarehouseId', 'supplying_warehouse_id'],
  ['latitude', 'latitude::float8'],
  ['longitude', 'longitude::float8'],
];

/** The establishment columns of alias `e`, named as the properties. */
export const ESTABLISHMENT_COLUMNS = ESTABLISHMENT_FIELDS.map(([p, c]) => `e.${c} AS "${p}"`).join(', ');

/**
 * What each GraphQL field of Establishment reads, as properties of ESTABLISHMENT_FIELDS. Every
 * establishment read carries `pk` (loader keys, relations) and `clues` (cursors) besides; a field
 * that needs nothing more (its relations, which load by `pk`) maps to []. A test holds this equal
 * to the schema's fields, so that a new field cannot be left without its columns.
 */
export const ESTABLISHMENT_FIELD_READS: Readonly<Record<string, readonly string[]>> = {
  __typename: [],
  id: [],
  clues: [],
  name: ['name'],
  state: ['stateCode'],
  institutionCode: ['institutionCode'],
  municipality: ['municipality'],
  locality: ['locality'],
  jurisdiction: ['jurisdiction'],
  establishmentType: ['establishmentType'],
  kind: ['kind'],
  levelOfCare: ['levelOfCare'],
  typology: ['typologyCode', 'typologyName'],
  operating: ['operating'],
  inNetwork: ['inNetwork'],
  inNetworkSince: ['inNetworkSince'],
  operatingSince: ['operatingSince'],
  closedOn: ['closedOn'],
  latitude: ['latitude'],
  longitude: ['longitude'],
  supplyingWarehouse: ['supplyingWarehouseId'],
  warehouse: [],
  saiStatus: [],
  saiHistory: [],
  predecessors: [],
  successor: [],
  // a relation of the distribution module: loads by pk
  kitsPerMonth: [],
};

/**
 * The establishment columns of alias `e` that a selection of fields needs (`complete` when that is
 * all of them, so the rows are whole establishments a loader may keep). A field this module does not
 * know reads everything.
 */
export function establishmentColumnsFor(fields: Iterable<string>): { sql: string; complete: boolean } {
  const wanted = new Set(['pk', 'clues']);
  for (const f of fields) {
    const reads = ESTABLISHMENT_FIELD_READS[f];
    if (!reads) return { sql: ESTABLISHMENT_COLUMNS, complete: true };
    for (const p of reads) wanted.add(p);
  }
  const chosen = ESTABLISHMENT_FIELDS.filter(([p]) => wanted.has(p));
  return chosen.length === ESTABLISHMENT_FIELDS.length
    ? { sql: ESTABLISHMENT_COLUMNS, complete: true }
    : { sql: chosen.map(([p, c]) => `e.${c} AS "${p}"`).join(', '), complete: false };
}

/** The same as one JSON object, for alias `a` (pg hands it over parsed). */
const establishmentJson = (a: string) => `json_build_object(${ESTABLISHMENT_FIELDS.map(([p, c]) => `'${p}', ${a}.${c}`).join(', ')})`;

export function toEstablishment(row: object): Establishment {
  return Object.assign(new Establishment(), row);
}

export async function establishmentsById(db: Db, ids: readonly number[]): Promise<Establishment[]> {
  const rows: object[] = await preparedQuery(db, `SELECT ${ESTABLISHMENT_COLUMNS} FROM establishment e WHERE e.id = ANY ($1::int[])`, [ids]);
  return rows.map(toEstablishment);
}

/**
 * Establishments by CLUES, each with its warehouse role (its `warehouse` row, or null) from the same
 * statement: a stock read needs both to check scope and pick the months-of-stock band.
 */
export async function establishmentsByClues(db: Db, clues: readonly string[]): Promise<Array<{ establishment: Establishment; warehouse: Warehouse | null }>> {
  const rows: Array<{ warehouseRole: Parameters<typeof toWarehouse>[0] | null }> = await preparedQuery(
    db,
    `SELECT ${ESTABLISHMENT_COLUMNS}, ${warehouseJson('w', 'e')} AS "warehouseRole"
       FROM establishment e LEFT JOIN warehouse w ON w.establishment_id = e.id WHERE e.clues = ANY ($1::bpchar[])`,
    [clues],
  );
  return rows.map(({ warehouseRole, ...row }) => ({ establishment: toEstablishment(row), warehouse: warehouseRole && toWarehouse(warehouseRole) }));
}

/**
 * A warehouse as one JSON object with its establishment (so `Warehouse.establishment` needs no
 * further query), for aliases `w` and its establishment `a`; null when `w` is (an outer join's) null.
 */
export const warehouseJson = (w: string, a: string) =>
  `CASE WHEN ${w}.id IS NOT NULL THEN json_build_object('pk', ${w}.id, 'establishmentId', ${w}.establishment_id, 'tier', ${w}.tier, 'clues', ${a}.clues, 'establishment', ${establishmentJson(a)}) END`;

/** Warehouses (alias `w`) with their establishment (alias `e`), one `warehouse` column each: see `toWarehouse`. */
export const WAREHOUSE_SELECT = `SELECT ${warehouseJson('w', 'e')} AS warehouse FROM warehouse w JOIN establishment e ON e.id = w.establishment_id`;

export function toWarehouse(row: { pk: number; establishmentId: number; tier: string; clues: string; establishment?: object }): Warehouse {
  const { establishment, ...rest } = row;
  return Object.assign(new Warehouse(), rest, { loadedEstablishment: establishment ? toEstablishment(establishment) : undefined });
}

export async function warehousesBy(db: Db, column: 'id' | 'establishment_id', keys: readonly number[]): Promise<Warehouse[]> {
  const rows = await preparedQuery(db, `${WAREHOUSE_SELECT} WHERE w.${column} = ANY($1::int[])`, [keys]);
  return rows.map((r) => toWarehouse(r.warehouse));
}

export async function warehousesByClues(db: Db, clues: readonly string[]): Promise<Warehouse[]> {
  const rows = await preparedQuery(db, `${WAREHOUSE_SELECT} WHERE e.clues = ANY ($1::bpchar[])`, [clues]);
  return rows.map((r) => toWarehouse(r.warehouse));
}

/** The CLUES each of these replaced (its predecessors), in CLUES order, in one statement. */
export async function predecessorsOf(db: Db, successorIds: readonly number[]): Promise<Map<number, Establishment[]>> {
  const rows: Array<{ successorId: number }> = await db.query(
    `SELECT l.successor_id AS "successorId", ${ESTABLISHMENT_COLUMNS}
       FROM establishment_succession l JOIN establishment e ON e.id = l.predecessor_id
      WHERE l.successor_id = ANY ($1::int[]) ORDER BY e.clues`,
    [successorIds],
  );
  const grouped = groupBy(rows, (r) => r.successorId);
  return new Map([...grouped].map(([id, list]) => [id, list.map(({ successorId: _s, ...e }) => toEstablishment(e))]));
}

/** The CLUES that replaced each of these, when one did, in one statement. */
export async function successorsOf(db: Db, predecessorIds: readonly number[]): Promise<Map<number, Establishment>> {
  const rows: Array<{ predecessorId: number }> = await db.query(
    `SELECT l.predecessor_id AS "predecessorId", ${ESTABLISHMENT_COLUMNS}
       FROM establishment_succession l JOIN establishment e ON e.id = l.successor_id
      WHERE l.predecessor_id = ANY ($1::int[])`,
    [predecessorIds],
  );
  return new Map(rows.map(({ predecessorId, ...e }) => [predecessorId, toEstablishment(e)]));
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
         FROM unnest($1::int[], $2::bpchar[], $3::int[]) WITH ORDINALITY AS t(wid, after, lim, ord)
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
