import { businessDay, FISCAL_YEARS, isFiscalYear } from '../../domain/dates';
import { Role } from '../../domain/enums';
import { stateByCode } from '../../domain/states';
import { Context, viewerOf } from '../../base/context';
import { badRequest, forbidden } from '../../base/errors';
import { PlanQuery, PlanRow, planRows } from './plan';
import { PLAN_READERS, ProcurementPlanRow, RedistributionReasonEnum, RedistributionSuggestion, StockPosition } from './procurement.types';
import { Position, suggestions } from './redistribution';

/** Procurement's reads with the caller's scope applied: a coordinator sees its own state only. */

/** The plan query a caller may run: a coordinator is held to its state. */
export function planQueryFor(ctx: Context, args: { year: number; stateCodes?: string[] | null; claves?: string[] | null; byState?: boolean | null }): PlanQuery {
  const viewer = viewerOf(ctx);
  if (!isFiscalYear(args.year)) throw badRequest('OUT_OF_RANGE', `year debe ser un ejercicio entre ${FISCAL_YEARS.min} y ${FISCAL_YEARS.max}.`);
  const unknown = (args.stateCodes ?? []).filter((c) => !stateByCode(c));
  if (unknown.length) throw badRequest('UNKNOWN_STATE', `No existe la entidad ${unknown.join(', ')}.`);
  let stateCodes = args.stateCodes?.length ? args.stateCodes : null;
  if (viewer.role === Role.STATE_COORDINATOR) {
    if (stateCodes && stateCodes.some((c) => c !== viewer.stateCode)) throw forbidden();
    stateCodes = [viewer.stateCode!];
  }
  return {
    year: args.year,
    byState: Boolean(args.byState || stateCodes),
    stateCodes,
    claves: args.claves?.length ? args.claves.map((c) => c.trim()) : null,
    safetyMonths: ctx.config.procurement.safetyMonths,
    minimumRatio: ctx.config.procurement.contractMinRatio,
    today: businessDay(),
  };
}

/** A plan row as the API shows it: with the year it is for (its id is year × state × clave). */
export function planRowOf(q: PlanQuery, row: PlanRow): ProcurementPlanRow {
  return Object.assign(new ProcurementPlanRow(), row, { year: q.year });
}

/**
 * One plan row by its key `year:state:clave` (state '' for the national row), for `node(id:)`: computed
 * again for that clave, with the plan's authorisation (a coordinator reads its own state's rows only).
 */
export async function planRowAt(ctx: Context, key: string): Promise<ProcurementPlanRow | null> {
  const viewer = viewerOf(ctx);
  if (!PLAN_READERS.includes(viewer.role)) throw forbidden();
  const m = /^([0-9]{4}):([0-9]{2})?:(.+)$/.exec(key);
  if (!m || !isFiscalYear(Number(m[1])) || (m[2] && !stateByCode(m[2]))) return null;
  const [year, stateCode, clave] = [Number(m[1]), m[2] ?? null, m[3]];
  if (viewer.role === Role.STATE_COORDINATOR && stateCode !== viewer.stateCode) throw forbidden();
  const q = planQueryFor(ctx, { year, stateCodes: stateCode ? [stateCode] : null, claves: [clave], byState: stateCode !== null });
  const row = (await planRows(ctx.db, q)).find((r) => r.stateCode === stateCode && r.clave === clave);
  return row ? planRowOf(q, row) : null;
}

/** Redistribution suggestions (SPEC §4) for a clave (high-cost ones unless named), a coordinator's own state only. */
export async function redistributionFor(ctx: Context, clave: string | null | undefined, stateCode: string | null | undefined): Promise<RedistributionSuggestion[]> {
  const viewer = viewerOf(ctx);
  if (stateCode && !stateByCode(stateCode)) throw badRequest('UNKNOWN_STATE', `No existe la entidad ${stateCode}.`);
  if (viewer.role === Role.STATE_COORDINATOR) {
    if (stateCode && stateCode !== viewer.stateCode) throw forbidden();
    stateCode = viewer.stateCode;
  }
  const today = businessDay();
  const found = await suggestions(ctx.db, {
    clave: clave?.trim() || null,
    stateCode: stateCode ?? null,
    today,
    year: Number(today.slice(0, 4)),
    month: `${today.slice(0, 7)}-01`,
    bands: ctx.config.stockThresholds,
  });
  const pos = (p: Position): StockPosition => Object.assign(new StockPosition(), p);
  return found.map((s) =>
    Object.assign(new RedistributionSuggestion(), {
      fromId: s.from.establishmentId,
      toId: s.to.establishmentId,
      supplyItemId: s.from.supplyItemId,
      clave: s.from.clave,
      lotNumber: s.lotNumber,
      expiresOn: s.expiresOn,
      pieces: s.pieces,
      reason: s.reason as RedistributionReasonEnum,
      sameState: s.sameState,
      fromPosition: pos(s.from),
      toPosition: pos(s.to),
    }),
  );
}
