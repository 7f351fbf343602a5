import { businessDay } from '../../domain/dates';
import { Context, viewerOf } from '../../base/context';
import { badRequest, forbidden } from '../../base/errors';
import { Connection, pageRequest, paginate, textPairKey } from '../../base/relay';
import { isCalendarDate } from '../../base/scalars';
import { normalizeClues } from '../../domain/clues';
import { StockFilter, StockMovementsArgs } from './stock.inputs';
import { countMovements, countStock, ledgerCheck, movementPage, PageReads, stockPage, StockFilterSql } from './stock.queries';
import { LedgerCheck, StockLevel, StockMovement } from './stock.types';

/** An instant as Date.toISOString writes it: what a movements cursor holds. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A location the caller may read: scope from the CLUES alone (no existence leak), then the row. */
async function readableLocation(ctx: Context, rawClues: string): Promise<{ id: number; clues: string; isWarehouse: boolean }> {
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
): Promise<Connection<StockLevel>> {
  const location = await readableLocation(ctx, rawClues);
  const day = businessDay();
  const thresholds = location.isWarehouse ? ctx.config.stockThresholds.warehouse : ctx.config.stockThresholds.unit;
  if (filter?.expiringWithinDays != null && (filter.expiringWithinDays < 0 || filter.expiringWithinDays > 3650)) {
    throw badRequest('OUT_OF_RANGE', 'expiringWithinDays debe estar entre 0 y 3650.');
  }
  const sqlFilter: StockFilterSql = {
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
  // The page's statement also counts every level the filter keeps; a separate count only for an empty page.
  let total: number | null = null;
  return paginate(
    pageRequest<string>(page),
    async (after, limit) => {
      const found = await stockPage(ctx.db, sqlFilter, after, limit, prefetch.lots, prefetch.reads);
      total = found.total;
      return found.rows;
    },
    (s) => s.clave,
    async () => total ?? countStock(ctx.db, sqlFilter),
  );
}

export async function stockMovements(ctx: Context, args: StockMovementsArgs): Promise<Connection<StockMovement>> {
  const location = await readableLocation(ctx, args.clues);
  let supplyItemId: number | undefined;
  if (args.clave) {
    const item = await ctx.loaders.supplyItemByClave.load(args.clave.trim());
    if (!item) throw badRequest('UNKNOWN_CLAVE', `No existe la clave ${args.clave}.`);
    supplyItemId = item.pk;
  }
  const q = { establishmentId: location.id, supplyItemId, from: args.from ?? undefined, to: args.to ?? undefined };
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
