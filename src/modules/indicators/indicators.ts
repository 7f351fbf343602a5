import { DataSource } from 'typeorm';
import { normalizeClues } from '../../domain/clues';
import { businessDay, CALENDAR_YEARS, FISCAL_YEARS, isFiscalYear } from '../../domain/dates';
import { REJECTION_REASONS, rejectedColumn, Role } from '../../domain/enums';
import type { Viewer } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, forbidden } from '../../base/errors';
import { isCalendarDate } from '../../base/scalars';
import { IndicatorCode, IndicatorDimension, IndicatorFilter, IndicatorResult, IndicatorRow, TargetBandLimits } from './indicator.types';

/** What an indicator's computation receives: the filter resolved to concrete values. */
export interface IndicatorQuery {
  asOf: string;
  year: number | null;
  from: string;
  to: string;
  stateCodes: string[] | null;
  clues: string[] | null;
  levelsOfCare: string[] | null;
  warehouseClues: string | null;
  supplyKinds: string[] | null;
  groupBy: IndicatorDimension[];
  /**
   * Order indicators: read the documents' lines, the per-order rollup or its summary (by default the
   * cheapest source that can answer; see order-indicators.ts).
   */
  factSource?: 'LINES' | 'ROLLUP' | 'SUMMARY';
  /** Also return the total (no breakdown) as one more row flagged `is_total`: see `totalWithRows`. */
  withTotal?: boolean;
}

/** A group's key columns (snake_case, as SQL returns them) and its counts. */
export type RawRow = Record<string, unknown> & { numerator: string | number; denominator: string | number };

/**
 * The one framework every indicator plugs into: a definition (name, formula, unit, target, the
 * breakdowns it supports) and a set-based computation that returns numerator and denominator per
 * group. Totals are computed the same way with no breakdown, never summed from rounded values.
 */
export interface IndicatorDefinition {
  code: IndicatorCode;
  name: string;
  formula: string;
  unit: string;
  target: number | null;
  /** Lower is better: the target is a ceiling (indicator 53). */
  lowerIsBetter?: boolean;
  /** The points from the target that bound NEAR and FAR (TargetBand); TARGET_BANDS unless the indicator says otherwise. */
  bands?: TargetBandLimits;
  /** An indicator read per fiscal year (51): the years it has data for, newest first. */
  fiscalYears?(db: DataSource): Promise<number[]>;
  dimensions: IndicatorDimension[];
  compute(db: DataSource, q: IndicatorQuery): Promise<RawRow[]>;
  /**
   * Whether, for this breakdown, the total is the same computation with no group — then one
   * statement returns both (GROUPING SETS), instead of a second pass over the same facts. Every
   * breakdown when left out; `compute` must then honour `withTotal`.
   */
  totalWithRows?(groupBy: IndicatorDimension[]): boolean;
}

/**
 * The GROUP BY and ORDER BY of a breakdown over `cols`. With `withTotal`, the empty grouping set adds
 * the total row (always present, even over no facts), flagged by `is_total`.
 */
export function grouping(cols: string[], withTotal = false): { flag: string; clause: string } {
  if (!cols.length) return { flag: '', clause: '' };
  const list = cols.join(', ');
  return withTotal
    ? { flag: `, GROUPING(${list}) <> 0 AS is_total`, clause: `GROUP BY GROUPING SETS ((${list}), ()) ORDER BY ${list}` }
    : { flag: '', clause: `GROUP BY ${list} ORDER BY ${list}` };
}

/**
 * The bands every indicator's figures are read in unless its definition says otherwise: at or better
 * than the target MET; short by up to 10 points NEAR (a month or two of work: 90 % of units with a
 * ratified CPM, 50 % with the SAI against 60 %, 91 % of pieces delivered); by up to 25 points FAR;
 * beyond, OFF. Points, not a share of the target, so that every indicator's distance reads the same way.
 */
export const TARGET_BANDS: Readonly<TargetBandLimits> = Object.freeze({ near: 10, far: 25 });

const registry = new Map<IndicatorCode, IndicatorDefinition>();

export function registerIndicator(def: IndicatorDefinition): void {
  registry.set(def.code, def);
}

export function indicatorDefinition(code: IndicatorCode): IndicatorDefinition | undefined {
  return registry.get(code);
}

export async function indicator(
  ctx: Context,
  code: IndicatorCode,
  filter: IndicatorFilter | null | undefined,
  groupBy: IndicatorDimension[] | null | undefined,
): Promise<IndicatorResult> {
  const def = registry.get(code);
  if (!def) throw badRequest('INDICATOR_NOT_AVAILABLE', `El indicador ${code} todavía no se calcula en esta versión.`);
  const dims = [...new Set(groupBy ?? [])];
  const unsupported = dims.filter((d) => !def.dimensions.includes(d));
  if (unsupported.length) {
    throw badRequest('UNSUPPORTED_DIMENSION', `${code} no se desglosa por ${unsupported.join(', ')}; sí por ${def.dimensions.join(', ')}.`);
  }
  const today = businessDay();
  const asOf = checkDate(filter?.asOf, 'asOf') ?? today;
  if (asOf > today) throw badRequest('DATE_IN_FUTURE', 'asOf no puede ser posterior a hoy.');
  const to = checkDate(filter?.to, 'to') ?? asOf;
  const from = checkDate(filter?.from, 'from') ?? monthsBefore(to, 11);
  if (from > to) throw badRequest('INCONSISTENT', 'from es posterior a to.');
  if (filter?.year != null && !isFiscalYear(filter.year)) throw badRequest('OUT_OF_RANGE', `year debe ser un ejercicio entre ${FISCAL_YEARS.min} y ${FISCAL_YEARS.max}.`);
  const base: IndicatorQuery = {
    asOf,
    year: filter?.year ?? null,
    from,
    to,
    stateCodes: filter?.stateCodes ?? null,
    clues: filter?.clues?.map(normalizeClues) ?? null,
    levelsOfCare: filter?.levelsOfCare ?? null,
    warehouseClues: filter?.warehouseClues ? normalizeClues(filter.warehouseClues) : null,
    supplyKinds: filter?.supplyKinds ?? null,
    groupBy: [],
  };
  assertWithinScope(viewerOf(ctx), def, dims, base);
  let total: RawRow | undefined;
  let rows: RawRow[] = [];
  if (dims.length && (def.totalWithRows?.(dims) ?? true)) {
    const all = await def.compute(ctx.db, { ...base, groupBy: dims, withTotal: true });
    total = all.find((r) => r.is_total);
    rows = all.filter((r) => !r.is_total);
  } else {
    [total] = await def.compute(ctx.db, base);
    if (dims.length) rows = await def.compute(ctx.db, { ...base, groupBy: dims });
  }
  if (dims.length === 1 && dims[0] === IndicatorDimension.MONTH) rows = everyMonth(rows, from, to < asOf ? to : asOf, total);
  const bands = def.target === null ? null : Object.assign(new TargetBandLimits(), def.bands ?? TARGET_BANDS);
  const judged = (r: IndicatorRow) => Object.assign(r, { target: def.target, lowerIsBetter: !!def.lowerIsBetter, bandLimits: bands });
  return Object.assign(new IndicatorResult(), {
    code,
    name: def.name,
    formula: def.formula,
    unit: def.unit,
    target: def.target,
    lowerIsBetter: !!def.lowerIsBetter,
    bands,
    asOf,
    total: judged(toRow(total ?? { numerator: 0, denominator: 0 })),
    rows: rows.map((r) => judged(toRow(r, asOf))),
  });
}

/** Whether a month (YYYY-MM) had not ended by `asOf`: its figures are partial, still filling in. */
export function isPartialMonth(month: string, asOf: string): boolean {
  return `${nextMonth(month)}-01` > addDay(asOf);
}

function addDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * A time series has a row for every month from `from` to `to`: a month with nothing to count shows
 * 0 / 0 (value null) rather than disappearing from a chart.
 */
function everyMonth(rows: RawRow[], from: string, to: string, total: RawRow | undefined): RawRow[] {
  const byMonth = new Map(rows.map((r) => [r.month as string, r]));
  const zero = Object.fromEntries(Object.keys(total ?? {}).filter((k) => k !== 'as_of_day').map((k) => [k, 0]));
  const out: RawRow[] = [];
  for (let m = from.slice(0, 7); m <= to.slice(0, 7); m = nextMonth(m)) {
    out.push(byMonth.get(m) ?? ({ ...zero, month: m, numerator: 0, denominator: 0 } as RawRow));
  }
  return out;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function toRow(r: RawRow, asOf?: string): IndicatorRow {
  return Object.assign(new IndicatorRow(), {
    partial: typeof r.month === 'string' && asOf ? isPartialMonth(r.month, asOf) : null,
    stateCode: (r.state_code as string) ?? null,
    establishmentId: (r.establishment_id as number) ?? null,
    warehouseId: (r.warehouse_id as number) ?? null,
    supplyItemId: (r.supply_item_id as number) ?? null,
    month: (r.month as string) ?? null,
    levelOfCare: r.level_of_care ?? null,
    supplyKind: r.supply_kind ?? null,
    origin: r.origin ?? null,
    routeCode: (r.route_code as string) ?? null,
    deliveryDay: r.delivery_day === undefined || r.delivery_day === null ? null : Number(r.delivery_day),
    numerator: Number(r.numerator),
    denominator: Number(r.denominator),
    activeUnits: r.active_units === undefined ? null : Number(r.active_units),
    asOf: (r.as_of_day as string) ?? null,
    shortfall:
      r.not_dispatched === undefined
        ? null
        : {
            notDispatched: Number(r.not_dispatched),
            inTransit: Number(r.in_transit),
            rejected: Number(r.rejected),
            rejectedByReason: REJECTION_REASONS.map((reason) => ({ reason, pieces: Number(r[rejectedColumn(reason)] ?? 0) })).filter((x) => x.pieces > 0),
          },
  });
}

/**
 * Aggregates by state, level of care, supply kind and month are readable by every caller (SPEC §6).
 * Anything finer reaches single units — for a small unit and a rare clave, single patients: a breakdown by
 * ESTABLISHMENT, CLAVE or WAREHOUSE, or a `clues` or `warehouseClues` filter (a warehouse and a level of
 * care can single out one hospital). It stays in the caller's scope: national roles everything; a state
 * coordinator its state (stateCodes naming only it, or CLUES all of it); a unit itself (clues: [its
 * CLUES]); a warehouse itself, or the orders it supplies (warehouseClues: its CLUES). Decided from the
 * request alone (CLUES prefixes), so a refusal tells nothing of what exists.
 */
function assertWithinScope(viewer: Viewer, def: IndicatorDefinition, dims: IndicatorDimension[], q: IndicatorQuery): void {
  const fine =
    dims.includes(IndicatorDimension.ESTABLISHMENT) ||
    dims.includes(IndicatorDimension.CLAVE) ||
    dims.includes(IndicatorDimension.ROUTE) ||
    dims.includes(IndicatorDimension.WAREHOUSE) ||
    q.clues !== null ||
    q.warehouseClues !== null;
  if (!fine || viewer.national) return;
  const ownClues = q.clues !== null && q.clues.length > 0 && q.clues.every((c) => viewer.covers(c));
  const ownState = viewer.role === Role.STATE_COORDINATOR && !!q.stateCodes?.length && q.stateCodes.every((s) => viewer.coversState(s));
  // Only an indicator that filters by the supplying warehouse (the order indicators) is narrowed by it.
  const ownWarehouse = viewer.role === Role.WAREHOUSE && q.warehouseClues === viewer.clues && def.dimensions.includes(IndicatorDimension.WAREHOUSE);
  if (q.clues !== null ? ownClues : ownState || ownWarehouse) return;
  throw forbidden(
    viewer.role === Role.STATE_COORDINATOR
      ? `El desglose por establecimiento, clave, ruta o almacén, y los filtros por CLUES o almacén, se limitan a su entidad: filtre con stateCodes: ["${viewer.stateCode}"] o con CLUES de su entidad.`
      : viewer.role === Role.WAREHOUSE
        ? `El desglose por establecimiento, clave, ruta o almacén, y los filtros por CLUES o almacén, se limitan a su almacén: filtre con clues: ["${viewer.clues}"] o warehouseClues: "${viewer.clues}".`
        : `El desglose por establecimiento, clave, ruta o almacén, y los filtros por CLUES o almacén, se limitan a su establecimiento: filtre con clues: ["${viewer.clues}"].`,
  );
}

function checkDate(value: string | null | undefined, field: string): string | undefined {
  if (value == null) return undefined;
  if (!isCalendarDate(value)) throw badRequest('INVALID_DATE', `${field}: fecha inválida; se espera AAAA-MM-DD entre ${CALENDAR_YEARS.min} y ${CALENDAR_YEARS.max}.`);
  return value;
}

function monthsBefore(day: string, months: number): string {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString().slice(0, 10);
}

/**
 * The days a network indicator is read at: `asOf`, or with a MONTH breakdown the last day of each
 * month from `from` to `to` (never after `asOf`). SQL text with parameters $1 asOf, $2 from, $3 to,
 * $4 by-month, $5 year.
 */
const AS_OF_DAYS_SQL = `
  SELECT to_char(m, 'YYYY-MM') AS month, LEAST((m + interval '1 month' - interval '1 day')::date, $1::date) AS day,
         coalesce($5::int, extract(year FROM m)::int) AS fiscal
    FROM generate_series(date_trunc('month', $2::date), date_trunc('month', LEAST($3::date, $1::date)), interval '1 month') AS m
   WHERE $4::boolean
  UNION ALL
  SELECT NULL, $1::date, coalesce($5::int, extract(year FROM $1::date)::int) WHERE NOT $4::boolean`;

/**
 * The network's units on each as-of day (SPEC §4): FIXED and MOBILE establishments operating and in
 * the network that day, from the status history. Parameters $6 states, $7 CLUES, $8 levels.
 */
const UNITS_ON_DAY_SQL = `
  SELECT a.month, a.day, a.fiscal, e.id AS establishment_id, e.state_code, e.level_of_care
    FROM (${AS_OF_DAYS_SQL}) a
   CROSS JOIN establishment e
    JOIN LATERAL (
      SELECT sc.operating, sc.in_network FROM establishment_status_change sc
       WHERE sc.establishment_id = e.id AND sc.effective_on <= a.day ORDER BY sc.effective_on DESC LIMIT 1
    ) st ON true
   WHERE e.kind IN ('FIXED', 'MOBILE') AND st.operating AND st.in_network
     AND (e.in_network_since IS NULL OR e.in_network_since <= a.day)
     AND ($6::text[] IS NULL OR e.state_code = ANY ($6::text[]))
     AND ($7::bpchar[] IS NULL OR e.clues = ANY ($7::bpchar[]))
     AND ($8::text[] IS NULL OR e.level_of_care = ANY ($8::text[]))`;

/** Group-by columns a network indicator can use, by dimension. */
const NETWORK_GROUP_COLUMNS: Partial<Record<IndicatorDimension, string>> = {
  [IndicatorDimension.STATE]: 'state_code',
  [IndicatorDimension.LEVEL_OF_CARE]: 'level_of_care',
  [IndicatorDimension.ESTABLISHMENT]: 'establishment_id',
  [IndicatorDimension.MONTH]: 'month',
};

/**
 * A network indicator's statement: the units on each as-of day, each flagged by `flags` (SQL select
 * items over `u`, the unit-day), counted per group. `numerator` and any `extra` measures are aggregates
 * over the flagged rows; the denominator is the units, and each row says the day it was read at.
 */
export function networkQuery(q: IndicatorQuery, flags: string, numerator: string, extra = ''): string {
  const cols = q.groupBy.map((d) => NETWORK_GROUP_COLUMNS[d]!);
  const g = grouping(cols, q.withTotal);
  return `WITH units AS (${UNITS_ON_DAY_SQL}),
               flagged AS (SELECT u.*, ${flags} FROM units u)
          SELECT ${cols.map((c) => `${c}, `).join('')}${numerator} AS numerator, count(*) AS denominator, ${extra ? `${extra}, ` : ''}max(day)::text AS as_of_day${g.flag}
            FROM flagged ${g.clause}`;
}

/** A network indicator's total is its breakdown's ungrouped form unless the breakdown is by MONTH (each month read at its own last day). */
export const networkTotalWithRows = (groupBy: IndicatorDimension[]) => !groupBy.includes(IndicatorDimension.MONTH);

export function networkParams(q: IndicatorQuery): unknown[] {
  return [q.asOf, q.from, q.to, q.groupBy.includes(IndicatorDimension.MONTH), q.year, q.stateCodes, q.clues, q.levelsOfCare];
}
