import { EntityManager } from 'typeorm';
import { runMutation } from '../../db/mutation';
import { givenColumns, insertRow, updateRow } from '../../db/sql';
import { preparedQuery } from '../../db/prepared';
import { stateOfClues } from '../../domain/clues';
import { EstablishmentKind, LevelOfCare, Role, WarehouseTier } from '../../domain/enums';
import { stateByCode } from '../../domain/states';
import { Roles, Viewer } from '../../base/auth';
import { Context } from '../../base/context';
import { ErrorCode, fail, forbidden, UserError, userError, UserInputError } from '../../base/errors';
import { Connection, pageRequest, paginate, PageArgs } from '../../base/relay';
import { Establishment } from './establishment.entity';
import {
  EstablishmentFilter,
  EstablishmentUpsertInput,
  EstablishmentUpsertSchema,
  SaiStatusSetInput,
  SaiStatusSetSchema,
  WarehouseUpsertInput,
  WarehouseUpsertSchema,
} from './registry.inputs';
import { ESTABLISHMENT_COLUMNS, establishmentColumnsFor, requireEstablishment, toEstablishment, toWarehouse, WAREHOUSE_SELECT, warehouseJson, warehousesByClues } from './registry.queries';
import { Warehouse } from './warehouse.entity';

/** Column of each updatable field. */
const COLUMNS: Record<string, string> = {
  name: 'name',
  municipality: 'municipality',
  jurisdiction: 'jurisdiction',
  kind: 'kind',
  levelOfCare: 'level_of_care',
  typologyCode: 'typology_code',
  typologyName: 'typology_name',
  operating: 'operating',
  inNetwork: 'in_network',
  inNetworkSince: 'in_network_since',
};

/** Columns that cannot be null: a null in the input leaves them as they are. */
const NOT_NULL = new Set(['name', 'kind', 'operating', 'inNetwork']);

/**
 * Who writes a registry entry: a registry writer whose scope covers its CLUES (a state coordinator, its
 * own state, decided from the CLUES prefix before anything is read) — but a CENTRAL warehouse belongs
 * to the national level wherever it stands (decided once the row is read and locked).
 */
function registryWritersOf(entry: { tier: WarehouseTier | null } | undefined): readonly Role[] {
  return entry?.tier === WarehouseTier.CENTRAL ? Roles.national : Roles.registryWriters;
}

/** Whether the caller may route units to this warehouse: one it may write itself, or a CENTRAL one. */
function mayRouteTo(viewer: Viewer, warehouse: Warehouse): boolean {
  return warehouse.tier === WarehouseTier.CENTRAL || viewer.mayActAt(Roles.registryWriters, warehouse.clues);
}

export async function upsertEstablishment(ctx: Context, raw: EstablishmentUpsertInput): Promise<Establishment> {
  return runMutation(
    ctx,
    {
      operation: 'establishmentUpsert',
      schema: EstablishmentUpsertSchema,
      raw,
      scope: (input) => ({ roles: Roles.registryWriters, clues: input.clues }),
      check: (input) => {
        const state = stateOfClues(input.clues);
        if (!state) fail(ErrorCode.CLUES_STATE_MISMATCH, ['clues'], `El prefijo ${input.clues.slice(0, 2)} no corresponde a ninguna entidad.`);
        if (input.stateCode && input.stateCode !== state.code) {
          fail(
            ErrorCode.CLUES_STATE_MISMATCH,
            ['stateCode'],
            `La CLUES ${input.clues} empieza con ${state.cluesPrefix} (${state.name}), no con el prefijo de la entidad ${input.stateCode} (${stateByCode(input.stateCode)!.cluesPrefix}).`,
          );
        }
      },
      locate: async (em, input, { viewer }) => {
        const [existing]: Array<{ id: number; kind: EstablishmentKind; level_of_care: LevelOfCare | null; tier: WarehouseTier | null }> = await em.query(
          `SELECT e.id, e.kind, e.level_of_care, w.tier FROM establishment e LEFT JOIN warehouse w ON w.establishment_id = e.id
            WHERE e.clues = $1 FOR UPDATE OF e`,
          [input.clues],
        );
        viewer.assertMayActAt(registryWritersOf(existing), input.clues);
        return existing;
      },
    },
    async (em, input, { viewer, actor }, existing) => {
      const errors: UserError[] = [];
      const state = stateOfClues(input.clues)!;
      if (!existing) {
        if (!input.name) errors.push(userError(ErrorCode.REQUIRED, ['name'], 'El nombre es obligatorio al dar de alta una CLUES.'));
        if (!input.kind) errors.push(userError(ErrorCode.REQUIRED, ['kind'], 'El tipo (FIXED, MOBILE o SUPPORT) es obligatorio al dar de alta una CLUES.'));
      }
      const kind = input.kind ?? existing?.kind;
      const level = input.levelOfCare !== undefined ? input.levelOfCare : existing?.level_of_care;
      if (kind === EstablishmentKind.SUPPORT && level) {
        errors.push(userError(ErrorCode.INCONSISTENT, ['levelOfCare'], 'Un establecimiento de apoyo no tiene nivel de atención.'));
      }
      let warehouseId: number | null | undefined;
      if (input.supplyingWarehouseClues !== undefined) {
        warehouseId = input.supplyingWarehouseClues === null
          ? null
          : await supplyingWarehouse(em, viewer, input.clues, input.supplyingWarehouseClues, errors);
      }
      if (errors.length) throw new UserInputError(errors);

      // The status-history trigger reads who changed it and from which day.
      await em.query(`SELECT set_config('abasto.actor', $1, true), set_config('abasto.status_effective_on', $2, true)`, [
        actor,
        input.statusEffectiveOn ?? '',
      ]);
      const values = givenColumns(input, COLUMNS, (field, value) => value !== null || !NOT_NULL.has(field));
      if (warehouseId !== undefined) values.supplying_warehouse_id = warehouseId;
      if (existing) {
        await updateRow(em, 'establishment', existing.id, values);
      } else {
        values.clues = input.clues;
        values.state_code = state.code;
        values.operating ??= true;
        values.in_network ??= true;
        if (values.in_network && values.in_network_since === undefined) values.in_network_since = state.federalizedBy;
        await insertRow(em, 'establishment', 'clues', values);
      }
      return em.getRepository(Establishment).findOneByOrFail({ clues: input.clues });
    },
  );
}

/** The warehouse id for a supply route, or a user error: unknown, not a warehouse, itself, or a cycle. */
async function supplyingWarehouse(em: EntityManager, viewer: Viewer, clues: string, warehouseClues: string, errors: UserError[]): Promise<number | undefined> {
  const field = ['supplyingWarehouseClues'];
  if (warehouseClues === clues) {
    errors.push(userError(ErrorCode.SELF_SUPPLY, field, 'Un establecimiento no puede abastecerse a sí mismo.'));
    return undefined;
  }
  const [warehouse] = await warehousesByClues(em, [warehouseClues]);
  if (!warehouse) {
    const [exists] = await em.query('SELECT 1 FROM establishment WHERE clues = $1', [warehouseClues]);
    errors.push(
      exists
        ? userError(ErrorCode.NOT_A_WAREHOUSE, field, `${warehouseClues} no es un almacén; regístrelo antes con warehouseUpsert.`)
        : userError(ErrorCode.UNKNOWN_CLUES, field, `No existe la CLUES ${warehouseClues}.`),
    );
    return undefined;
  }
  // A coordinator who could point its units at another state's warehouse could then approve their
  // orders against that state's stock.
  if (!mayRouteTo(viewer, warehouse)) throw forbidden();
  // Walk up the chain from the new supplier: reaching `clues` would close a cycle.
  const [cycle] = await em.query(
    `WITH RECURSIVE chain(id, clues, next) AS (
       SELECT e.id, e.clues, w.establishment_id FROM establishment e
         LEFT JOIN warehouse w ON w.id = e.supplying_warehouse_id WHERE e.id = $1
       UNION
       SELECT e.id, e.clues, w.establishment_id FROM chain c JOIN establishment e ON e.id = c.next
         LEFT JOIN warehouse w ON w.id = e.supplying_warehouse_id
     ) SELECT 1 FROM chain WHERE clues = $2 LIMIT 1`,
    [warehouse.establishmentId, clues],
  );
  if (cycle) {
    errors.push(userError(ErrorCode.SUPPLY_CYCLE, field, `${warehouseClues} ya se abastece (directa o indirectamente) de ${clues}.`));
    return undefined;
  }
  return warehouse.pk;
}

export async function upsertWarehouse(ctx: Context, raw: WarehouseUpsertInput): Promise<Warehouse> {
  return runMutation(
    ctx,
    {
      operation: 'warehouseUpsert',
      schema: WarehouseUpsertSchema,
      raw,
      scope: (input) => ({ roles: Roles.registryWriters, clues: input.clues }),
      check: (input, viewer) => {
        if (input.tier === WarehouseTier.CENTRAL && !viewer.national) fail(ErrorCode.INVALID_VALUE, ['tier'], 'Solo el nivel central registra almacenes centrales.');
      },
      locate: async (em, input, { viewer }) => {
        const est = await requireEstablishment(em, input.clues);
        const [current] = await em.query('SELECT tier FROM warehouse WHERE establishment_id = $1 FOR UPDATE', [est.id]);
        viewer.assertMayActAt(registryWritersOf(current), input.clues);
        return est;
      },
    },
    async (em, input, { viewer }, est) => {
      // A row made CENTRAL by a national user at the same moment is not overwritten by a coordinator.
      const [row] = await em.query(
        `INSERT INTO warehouse (establishment_id, tier) VALUES ($1, $2)
         ON CONFLICT (establishment_id) DO UPDATE SET tier = EXCLUDED.tier, updated_at = now()
          WHERE $3 OR warehouse.tier <> 'CENTRAL'
         RETURNING id AS pk, establishment_id AS "establishmentId", tier`,
        [est.id, input.tier, viewer.national],
      );
      if (!row) throw forbidden();
      return toWarehouse({ ...row, clues: input.clues });
    },
  );
}

export async function setSaiStatus(ctx: Context, raw: SaiStatusSetInput): Promise<Establishment> {
  return runMutation(
    ctx,
    {
      operation: 'saiStatusSet',
      schema: SaiStatusSetSchema,
      raw,
      scope: (input) => ({ roles: Roles.registryWriters, clues: input.clues }),
      locate: async (em, input, { viewer }) => {
        const est = await em.getRepository(Establishment).findOneBy({ clues: input.clues });
        if (!est) fail(ErrorCode.UNKNOWN_CLUES, ['clues'], `No existe la CLUES ${input.clues}.`);
        const [warehouse] = await em.query('SELECT tier FROM warehouse WHERE establishment_id = $1 FOR SHARE', [est.pk]);
        viewer.assertMayActAt(registryWritersOf(warehouse), input.clues);
        return est;
      },
    },
    async (em, input, { actor }, est) => {
      await em.query(
        `INSERT INTO sai_status_change (establishment_id, status, effective_on, actor) VALUES ($1, $2, $3, $4)
         ON CONFLICT (establishment_id, effective_on) DO UPDATE SET status = EXCLUDED.status, actor = EXCLUDED.actor, recorded_at = now()`,
        [est.pk, input.status, input.effectiveOn, actor],
      );
      return est;
    },
  );
}

/**
 * The establishments a filter selects: a WHERE over alias `e` with only the conditions the filter
 * sets, and their parameters. Each combination is its own statement, so PostgreSQL keeps one plan
 * per combination that fits it (a state filter uses the state index; no filter, the CLUES order),
 * where one text with `$n IS NULL OR …` for every condition got a plan that fits none, and was
 * planned again on every execution.
 */
function filterWhere(filter: EstablishmentFilter | null | undefined): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: (p: string) => string, value: unknown) => {
    if (value === null || value === undefined) return;
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  add((p) => `e.state_code = ANY (${p}::text[])`, filter?.stateCodes);
  add((p) => `e.kind = ANY (${p}::text[])`, filter?.kinds);
  add((p) => `e.level_of_care = ANY (${p}::text[])`, filter?.levelsOfCare);
  add((p) => `e.in_network = ${p}`, filter?.inNetwork);
  add((p) => `e.operating = ${p}`, filter?.operating);
  add((p) => `e.search_text LIKE ${p}`, filter?.search?.trim() ? `%${foldForSearch(filter.search)}%` : null);
  return { where, params };
}

/** The same folding as the search_text columns: lower case, accents removed, LIKE wildcards escaped. */
export function foldForSearch(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A page of establishments. With `fields` (the GraphQL fields its query selects on each item) it reads
 * only the columns those need; when they include `supplyingWarehouse` each row carries its warehouse,
 * read in the same statement.
 */
export async function listEstablishments(
  ctx: Context,
  filter: EstablishmentFilter | null | undefined,
  page: PageArgs,
  fields?: ReadonlySet<string>,
): Promise<Connection<Establishment>> {
  const { where, params } = filterWhere(filter);
  const columns = fields ? establishmentColumnsFor(fields) : { sql: ESTABLISHMENT_COLUMNS, complete: true };
  const withWarehouse = fields?.has('supplyingWarehouse') ?? false;
  // The page size is written into the text (at most 101 of them): with LIMIT as a parameter the
  // plan is made for a tenth of the table.
  const pageSql = (after: string | undefined, limit: number) =>
    `SELECT ${columns.sql} FROM establishment e
      WHERE ${[...where, ...(after === undefined ? [] : [`e.clues > $${params.length + 1}`])].join(' AND ') || 'true'} ORDER BY e.clues LIMIT ${limit}`;
  // Rows in CLUES order mostly share their warehouse with the row before: a row carries its
  // warehouse, looked up in the same statement, only when it differs from the previous row's.
  const sql = (after: string | undefined, limit: number) =>
    withWarehouse
      ? `SELECT page.*,
                CASE WHEN page."supplyingWarehouseId" IS DISTINCT FROM lag(page."supplyingWarehouseId") OVER (ORDER BY page.clues)
                     THEN (SELECT ${warehouseJson('w', 'we')} FROM warehouse w JOIN establishment we ON we.id = w.establishment_id
                            WHERE w.id = page."supplyingWarehouseId") END AS "supplyingWarehouse"
           FROM (${pageSql(after, limit)}) page
          ORDER BY page.clues`
      : pageSql(after, limit);
  return paginate(
    pageRequest<string>(page),
    async (after, limit) => {
      const rows: Array<{ supplyingWarehouse?: Parameters<typeof toWarehouse>[0] | null; supplyingWarehouseId: number | null }> = await preparedQuery(
        ctx.db,
        sql(after, limit),
        after === undefined ? params : [...params, after],
      );
      const warehouses = new Map<number, Warehouse>();
      for (const r of rows) if (r.supplyingWarehouse) warehouses.set(r.supplyingWarehouseId!, toWarehouse(r.supplyingWarehouse));
      const list = rows.map(({ supplyingWarehouse, ...row }) => {
        const e = toEstablishment(row);
        if (supplyingWarehouse !== undefined) e.loadedSupplyingWarehouse = row.supplyingWarehouseId === null ? null : warehouses.get(row.supplyingWarehouseId)!;
        return e;
      });
      // Only whole establishments may answer other fields' loads in this request.
      if (columns.complete) for (const e of list) ctx.loaders.establishmentById.prime(e.pk, e);
      return list;
    },
    (e) => e.clues,
    async () => Number((await preparedQuery(ctx.db, `SELECT count(*) AS n FROM establishment e WHERE ${where.join(' AND ') || 'true'}`, params))[0].n),
  );
}

export async function listWarehouses(ctx: Context, stateCodes: string[] | null | undefined, page: PageArgs): Promise<Connection<Warehouse>> {
  const request = pageRequest<string>(page);
  const where = stateCodes ? 'e.state_code = ANY($1::text[])' : '$1::text[] IS NULL';
  return paginate(
    request,
    async (after, limit) => {
      const rows = await ctx.db.query(
        `${WAREHOUSE_SELECT} WHERE ${where} AND e.clues > $2 ORDER BY e.clues LIMIT $3`,
        [stateCodes ?? null, after ?? '', limit],
      );
      return rows.map((r: { warehouse: Parameters<typeof toWarehouse>[0] }) => toWarehouse(r.warehouse));
    },
    (w) => w.clues,
    async () => {
      const [{ n }] = await ctx.db.query(
        `SELECT count(*) AS n FROM warehouse w JOIN establishment e ON e.id = w.establishment_id WHERE ${where}`,
        [stateCodes ?? null],
      );
      return Number(n);
    },
  );
}
