import { businessDay } from '../../domain/dates';
import { Context, viewerOf } from '../../base/context';
import { badRequest, forbidden } from '../../base/errors';
import { Connection, pageRequest, paginate, textPairKey } from '../../base/relay';
import { isCalendarDate } from '../../base/scalars';
import { normalizeClues } from '../../domain/clues';
import { StockFilter, StockMovementsArgs } from './stock.inputs';
import { countMovements, countStock, ledgerCheck, movementPage, PageReads, predecessorIds, stockPage, StockFilterSql } from './stock.queries';
import { LedgerCheck, StockLevel, StockMovement } from './stock.types';

/** An instant as Date.toISOString writes it: what a movements cursor holds. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A location the caller may read: scope from the CLUES alone (no existence leak), then the row. */
export async function readableLocation(ctx: Context, rawClues: string): Promise<{ id: number; clues: string; isWarehouse: boolean }> {
  const clues = normalizeClues(rawClues);
  if (!viewerOf(ctx).covers(clues)) throw forbidden();
  const est = await ctx.loaders.establishmentByClues.load(clues);
  if (!est) throw badRequest('UNKNOWN_CLUES', `No existe la CLUES ${clues}.`);
  const warehouse = await ctx.loaders.warehouseByEstablishmentId.load(est.pk);
  return { id: est.pk, clues, isWarehouse: warehouse !== null };
}

/**
 * A page of stock levels; with `prefetch.lots` the page's statement also reads each level's lots, and
 * `prefetch.reads` says which fields the query selects on each level and whether it counts (default: all).
 */
export async function stockLevels(
  ctx: Context,
  rawClues: string,
  filter: StockFilter | null | undefined,
  page: { first?: number | null; after?: string | null },
  prefetch: { lots?: boolean; reads?: PageReads } = {},
  includePredecessors = false,
): Promise<Connection<StockLevel>> {
  const location = await readableLocation(ctx, rawClues);
  if (filter?.expiringWithinDays != null && (filter.expiringWithinDays < 0 || filter.expiringWithinDays > 3650)) {
    throw badRequest('OUT_OF_RANGE', 'expiringWithinDays debe estar entre 0 y 3650.');
  }
  const sqlFilter = stockFilterAt(ctx, location, filter);
  if (includePredecessors) {
    const before = await predecessorLocations(ctx, location.id);
    if (before.length) return levelsWithPredecessors(ctx, [location, ...before], filter, page, prefetch);
  }
  // The page's statement also counts every level the filter keeps; a separate count only for an empty page.
  let total: number | null = null;
  return paginate(
    pageRequest<string>(page),
    async (after, limit) => {
      const found = await stockPage(ctx.db, sqlFilter, after, limit, prefetch.lots, prefetch.reads);
      total = found.total;
      return located(found.rows, location.clues);
    },
    (s) => s.clave,
    async () => total ?? countStock(ctx.db, sqlFilter),
  );
}

/**
 * The CLUES a location replaced (directly or through a chain), as locations: whoever may read the
 * successor may read what happened at its predecessors.
 */
async function predecessorLocations(ctx: Context, id: number): Promise<Array<{ id: number; clues: string; isWarehouse: boolean }>> {
  const ids = await predecessorIds(ctx.db, id);
  const found = await Promise.all(
    ids.map(async (pid) => {
      const [est, warehouse] = await Promise.all([ctx.loaders.establishmentById.load(pid), ctx.loaders.warehouseByEstablishmentId.load(pid)]);
      return { id: pid, clues: est!.clues, isWarehouse: warehouse !== null };
    }),
  );
  return found.sort((a, b) => (a.clues < b.clues ? -1 : 1));
}

/**
 * The levels of a successor and then of each predecessor (each level with its own CLUES, its own CPM and
 * status: stock stays where it was recorded), one page across them; the cursor is "CLUES/clave".
 */
function levelsWithPredecessors(
  ctx: Context,
  locations: Array<{ id: number; clues: string; isWarehouse: boolean }>,
  filter: StockFilter | null | undefined,
  page: { first?: number | null; after?: string | null },
  prefetch: { lots?: boolean; reads?: PageReads },
): Promise<Connection<StockLevel>> {
  const filters = locations.map((l) => stockFilterAt(ctx, l, filter));
  return paginate(
    pageRequest<string>(page),
    async (after, limit) => {
      let start = 0;
      let afterClave: string | undefined;
      if (after !== undefined) {
        const [clues, clave] = after.split('/');
        start = locations.findIndex((l) => l.clues === clues);
        if (start < 0 || !clave) throw badRequest('INVALID_CURSOR', 'Cursor inválido: use un endCursor devuelto por la API con includePredecessors.');
        afterClave = clave;
      }
      const rows: StockLevel[] = [];
      for (let i = start; i < locations.length && rows.length < limit; i++) {
        const found = await stockPage(ctx.db, filters[i], i === start ? afterClave : undefined, limit - rows.length, prefetch.lots, prefetch.reads);
        rows.push(...located(found.rows, locations[i].clues));
      }
      return rows;
    },
    (s) => `${s.clues}/${s.clave}`,
    async () => (await Promise.all(filters.map((f) => countStock(ctx.db, f)))).reduce((a, b) => a + b, 0),
  );
}

/** The page statement's filter at a location, today. */
function stockFilterAt(ctx: Context, location: { id: number; isWarehouse: boolean }, filter: StockFilter | null | undefined): StockFilterSql {
  const day = businessDay();
  const thresholds = location.isWarehouse ? ctx.config.stockThresholds.warehouse : ctx.config.stockThresholds.unit;
  return {
    establishmentId: location.id,
    day,
    year: Number(day.slice(0, 4)),
    month: `${day.slice(0, 7)}-01`,
    minMonths: thresholds.minMonths,
    maxMonths: thresholds.maxMonths,
    claves: filter?.claves?.map((c) => c.trim()),
    expiringWithinDays: filter?.expiringWithinDays,
    statuses: filter?.statuses,
  };
}

/** The levels as read by id of their location, with its CLUES (their global id is location × clave). */
function located(levels: StockLevel[], clues: string): StockLevel[] {
  for (const s of levels) s.clues = clues;
  return levels;
}

/**
 * The stock levels of some claves at some locations, in the caller's scope, today: one page statement per
 * location (the stock page's, limited to the claves), whatever the number of claves. What a stock
 * mutation answers as the levels it changed, and what `node(id:)` reads a StockLevel with.
 */
export async function stockLevelsOf(ctx: Context, keys: ReadonlyArray<{ clues: string; clave: string }>): Promise<StockLevel[]> {
  const byClues = new Map<string, Set<string>>();
  for (const k of keys) byClues.set(k.clues, (byClues.get(k.clues) ?? new Set()).add(k.clave));
  const levels = await Promise.all(
    [...byClues].map(async ([clues, claves]) => {
      const location = await readableLocation(ctx, clues);
      const found = await stockPage(ctx.db, stockFilterAt(ctx, location, { claves: [...claves] }), undefined, claves.size);
      return located(found.rows, location.clues);
    }),
  );
  return levels.flat();
}

/** One stock level by its location × clave (`node(id:)`): null when the location or the level does not exist. */
export async function stockLevelAt(ctx: Context, rawClues: string, clave: string): Promise<StockLevel | null> {
  const clues = normalizeClues(rawClues);
  if (!viewerOf(ctx).covers(clues)) throw forbidden();
  if (!(await ctx.loaders.establishmentByClues.load(clues))) return null;
  return (await stockLevelsOf(ctx, [{ clues, clave }]))[0] ?? null;
}

export async function stockMovements(ctx: Context, args: StockMovementsArgs): Promise<Connection<StockMovement>> {
  const location = await readableLocation(ctx, args.clues);
  let supplyItemId: number | undefined;
  if (args.clave) {
    const item = await ctx.loaders.supplyItemByClave.load(args.clave.trim());
    if (!item) throw badRequest('UNKNOWN_CLAVE', `No existe la clave ${args.clave}.`);
    supplyItemId = item.pk;
  }
  // A caller who may read the CLUES may read the history of the CLUES it replaced (each movement says its own CLUES).
  const establishmentIds = args.includePredecessors ? [location.id, ...(await predecessorIds(ctx.db, location.id))] : [location.id];
  const q = { establishmentIds, supplyItemId, from: args.from ?? undefined, to: args.to ?? undefined };
  return paginate(
    pageRequest(args, textPairKey),
    (after, limit) => {
      // The cursor holds what encodeCursor made of (occurredAt, id): an ISO instant as toISOString writes it.
      if (after && (!isCalendarDate(after[0].slice(0, 10)) || !ISO_INSTANT.test(after[0]) || Number.isNaN(Date.parse(after[0])) || !/^[0-9]{1,18}$/.test(after[1]))) {
        throw badRequest('INVALID_CURSOR', 'Cursor inválido: use un endCursor devuelto por la API.');
      }
      return movementPage(ctx.db, { ...q, after, limit });
    },
    (m): [string, string] => [m.occurredAt.toISOString(), m.pk],
    () => countMovements(ctx.db, q),
  );
}

export async function checkLedger(ctx: Context, rawClues: string | null | undefined): Promise<LedgerCheck> {
  if (!rawClues) {
    if (!viewerOf(ctx).national) throw forbidden();
    return ledgerCheck(ctx.db, null);
  }
  const location = await readableLocation(ctx, rawClues);
  return ledgerCheck(ctx.db, location.id);
}
