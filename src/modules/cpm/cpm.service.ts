import { EntityManager } from 'typeorm';
import { needsJustification } from '../../domain/cpm-deviation';
import { runMutation } from '../../db/mutation';
import { normalizeClues } from '../../domain/clues';
import { businessDay, CALENDAR_YEARS, FISCAL_YEARS, isFiscalYear } from '../../domain/dates';
import { isCalendarDate } from '../../base/scalars';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, ErrorCode, fail, forbidden, UserError, userError, UserInputError } from '../../base/errors';
import { requireEstablishment } from '../registry/registry.queries';
import {
  CpmSubmissionKeyInput,
  CpmSubmissionKeySchema,
  CpmSubmissionReturnInput,
  CpmSubmissionReturnSchema,
  CpmSubmissionUpdateInput,
  CpmSubmissionUpdateSchema,
} from './cpm.inputs';
import { calculateCpm } from './cpm.queries';
import { authorizedSql } from '../catalog/authorization';
import { CPM_FORMULA, CPM_SUBMISSION_STATUS_LABEL, CpmCalculation, CpmNoValueReason, CpmSubmission, CpmSubmissionAction, CpmSubmissionLine, CpmSubmissionStatus } from './cpm.types';

const MONTH = /^([0-9]{4})-(0[1-9]|1[0-2])$/;

/** Current month in Mexico City, YYYY-MM. */
export function currentMonth(): string {
  return businessDay().slice(0, 7);
}

/** Validates YYYY-MM months: the CPM month may be this month at the latest (its lookback is then complete). */
export function parseCpmMonth(month: string, field = 'month'): string {
  if (!MONTH.test(month) || !isCalendarDate(`${month}-01`)) {
    throw badRequest('INVALID_MONTH', `${field} debe ser un mes AAAA-MM entre ${CALENDAR_YEARS.min} y ${CALENDAR_YEARS.max}; recibido ${JSON.stringify(month)}.`);
  }
  if (month > currentMonth()) throw badRequest('MONTH_IN_FUTURE', `${field} no puede ser posterior al mes en curso.`);
  return month;
}

async function location(ctx: Context, rawClues: string): Promise<{ id: number; clues: string; levelOfCare: string | null }> {
  const clues = normalizeClues(rawClues);
  if (!viewerOf(ctx).covers(clues)) throw forbidden();
  const est = await ctx.loaders.establishmentByClues.load(clues);
  if (!est) throw badRequest('UNKNOWN_CLUES', `No existe la CLUES ${clues}.`);
  return { id: est.pk, clues, levelOfCare: est.levelOfCare };
}

/** The explainable calculation of SPEC §4 for one clave at one CLUES. */
export async function cpmCalculation(
  ctx: Context,
  args: { clues: string; clave: string; month: string; lookbackMonths?: number | null; excludeMonths?: string[] | null },
): Promise<CpmCalculation> {
  const loc = await location(ctx, args.clues);
  const item = await ctx.loaders.supplyItemByClave.load(args.clave.trim());
  if (!item) throw badRequest('UNKNOWN_CLAVE', `No existe la clave ${args.clave}.`);
  const month = parseCpmMonth(args.month);
  const lookback = args.lookbackMonths ?? 6;
  if (!Number.isInteger(lookback) || lookback < 3 || lookback > 12) throw badRequest('OUT_OF_RANGE', 'lookbackMonths va de 3 a 12.');
  const excluded = [...new Set((args.excludeMonths ?? []).map((m) => {
    if (!MONTH.test(m)) throw badRequest('INVALID_MONTH', `excludeMonths: ${JSON.stringify(m)} no es AAAA-MM.`);
    return m;
  }))].sort();
  const [result] = await calculateCpm(ctx.db, [{ establishmentId: loc.id, supplyItemId: item.pk }], `${month}-01`, lookback, excluded.map((m) => `${m}-01`));
  return Object.assign(new CpmCalculation(), {
    clues: loc.clues,
    clave: item.clave,
    month,
    lookbackMonths: lookback,
    excludeMonths: excluded,
    value: result.value,
    reason: result.value === null ? CpmNoValueReason.NO_DATA : null,
    monthsKept: result.monthsKept,
    adjustedTotal: result.adjustedTotal,
    formula: CPM_FORMULA,
    months: result.months,
    computedAt: null,
  });
}

// ---------------------------------------------------------------------------------------------
// Submissions

/** Who may propose, edit and ratify a location's CPM: its own pharmacy or warehouse user, central, admin. */
const editors = (input: { clues: string }) => ({ roles: Roles.cpmEditors, clues: input.clues });

/** Who returns a submission for changes: central, admin. */
const returners = { roles: Roles.national };

async function findSubmission(em: EntityManager, establishmentId: number, year: number, lock = false) {
  const [row] = await em.query(
    `SELECT id, status FROM cpm_submission WHERE establishment_id = $1 AND year = $2 ${lock ? 'FOR UPDATE' : ''}`,
    [establishmentId, year],
  );
  return row as { id: number; status: CpmSubmissionStatus } | undefined;
}

async function event(em: EntityManager, submissionId: number, action: CpmSubmissionAction, actor: string, reason: string | null, linesChanged: number) {
  await em.query(`INSERT INTO cpm_submission_event (submission_id, action, actor, reason, lines_changed) VALUES ($1, $2, $3, $4, $5)`, [
    submissionId,
    action,
    actor,
    reason,
    linesChanged,
  ]);
}

/** The month a proposal for `year` is calculated at: this month, or December of a past year. */
function proposalMonth(year: number): string {
  const now = currentMonth();
  return `${year}-12` < now ? `${year}-12` : now;
}

/**
 * Proposes the year's CPM from the calculation: one line per authorised clave with a value. A
 * proposal may be made again (recalculated) until it is ratified.
 */
export async function propose(ctx: Context, raw: CpmSubmissionKeyInput): Promise<CpmSubmission> {
  return runMutation(ctx, { operation: 'cpmSubmissionPropose', schema: CpmSubmissionKeySchema, raw, scope: editors }, async (em, input, { actor }) => {
    const est = await requireEstablishment(em, input.clues);
    const existing = await findSubmission(em, est.id, input.year, true);
    if (existing?.status === CpmSubmissionStatus.RATIFIED) {
      fail('SUBMISSION_FROZEN', ['year'], 'El CPM de ese año ya está ratificado; debe devolverse antes de cambiarlo.');
    }
    const month = proposalMonth(input.year);
    const pairs: Array<{ est: number; item: number }> = await em.query(
      `SELECT e.id AS est, s.id AS item FROM establishment e JOIN supply_item s ON ${authorizedSql('e', 's', '$2')}
       WHERE e.id = $1`,
      [est.id, input.year],
    );
    const results = (await calculateCpm(em, pairs.map((p) => ({ establishmentId: p.est, supplyItemId: p.item })), `${month}-01`, 6, [])).filter(
      (r) => r.value !== null,
    );
    const [sub] = existing
      ? await em.query(
          `UPDATE cpm_submission SET status = 'PROPOSED', calculated_from = $2, proposed_at = now(), proposed_by = $3, updated_at = now() WHERE id = $1 RETURNING id`,
          [existing.id, `${month}-01`, actor],
        ).then(([rows]) => rows)
      : await em.query(
          `INSERT INTO cpm_submission (establishment_id, year, status, calculated_from, proposed_by) VALUES ($1, $2, 'PROPOSED', $3, $4) RETURNING id`,
          [est.id, input.year, `${month}-01`, actor],
        );
    await em.query('DELETE FROM cpm_submission_line WHERE submission_id = $1', [sub.id]);
    await em.query(
      `INSERT INTO cpm_submission_line (submission_id, supply_item_id, cpm, calculated)
       SELECT $1, item, v, v FROM unnest($2::int[], $3::int[]) AS x(item, v)`,
      [sub.id, results.map((r) => r.supplyItemId), results.map((r) => r.value)],
    );
    await event(em, sub.id, CpmSubmissionAction.PROPOSED, actor, `calculado a ${month}`, results.length);
    return (await loadSubmission(em, sub.id))!;
  });
}

/** Edits lines; a value more than 50 % away from the calculated one (or with none) needs a justification. */
export async function update(ctx: Context, raw: CpmSubmissionUpdateInput): Promise<CpmSubmission> {
  return runMutation(ctx, { operation: 'cpmSubmissionUpdate', schema: CpmSubmissionUpdateSchema, raw, scope: editors }, async (em, input, { actor }) => {
    const est = await requireEstablishment(em, input.clues);
    const sub = await findSubmission(em, est.id, input.year, true);
    if (!sub) fail('NO_SUBMISSION', ['year'], 'No hay propuesta de CPM para ese año: propóngala primero (cpmSubmissionPropose).');
    if (sub.status === CpmSubmissionStatus.RATIFIED) fail('SUBMISSION_FROZEN', ['year'], 'El CPM ya está ratificado; debe devolverse antes de cambiarlo.');
    const errors: UserError[] = [];
    // authorised for the submission's year at this establishment (catalog/authorization.ts)
    const items: Array<{ id: number; clave: string; authorized: boolean; calculated: number | null }> = await em.query(
      `SELECT s.id, s.clave, ${authorizedSql('e', 's', '$4::int')} AS authorized, l.calculated
         FROM supply_item s JOIN establishment e ON e.id = $3
         LEFT JOIN cpm_submission_line l ON l.supply_item_id = s.id AND l.submission_id = $2
        WHERE s.clave = ANY ($1::text[])`,
      [input.lines.map((l) => l.clave), sub.id, est.id, input.year],
    );
    const byClave = new Map(items.map((i) => [i.clave, i]));
    const seen = new Set<string>();
    input.lines.forEach((l, i) => {
      const item = byClave.get(l.clave);
      if (seen.has(l.clave)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], `La clave ${l.clave} se repite.`));
      seen.add(l.clave);
      if (!item) return errors.push(userError(ErrorCode.UNKNOWN_CLAVE, ['lines', i, 'clave'], `No existe la clave ${l.clave}.`));
      if (!item.authorized) {
        errors.push(userError('NOT_AUTHORIZED_FOR_LEVEL', ['lines', i, 'clave'], `La clave ${l.clave} no está autorizada para el nivel de atención ni la tipología de esta unidad en ${input.year}.`));
      }
      if (needsJustification(l.cpm, item.calculated) && !l.justification) {
        errors.push(
          userError(
            'JUSTIFICATION_REQUIRED',
            ['lines', i, 'justification'],
            item.calculated == null
              ? `La clave ${l.clave} no tiene CPM calculado: justifique el valor.`
              : `El CPM ${l.cpm} se aleja más del 50 % del calculado (${item.calculated}): justifique el valor.`,
          ),
        );
      }
    });
    if (errors.length) throw new UserInputError(errors);
    await em.query(
      `INSERT INTO cpm_submission_line (submission_id, supply_item_id, cpm, justification)
       SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[])
       ON CONFLICT (submission_id, supply_item_id) DO UPDATE SET cpm = EXCLUDED.cpm, justification = EXCLUDED.justification`,
      [sub.id, input.lines.map((l) => byClave.get(l.clave)!.id), input.lines.map((l) => l.cpm), input.lines.map((l) => l.justification ?? null)],
    );
    await em.query(`UPDATE cpm_submission SET status = 'PROPOSED', updated_at = now() WHERE id = $1`, [sub.id]);
    await event(em, sub.id, CpmSubmissionAction.UPDATED, actor, null, input.lines.length);
    return (await loadSubmission(em, sub.id))!;
  });
}

/** Ratifies the year's CPM: the unit's own PHARMACY (or WAREHOUSE) user, CENTRAL or ADMIN. It is then frozen. */
export async function ratify(ctx: Context, raw: CpmSubmissionKeyInput): Promise<CpmSubmission> {
  return runMutation(ctx, { operation: 'cpmSubmissionRatify', schema: CpmSubmissionKeySchema, raw, scope: editors }, async (em, input, { actor }) => {
    const est = await requireEstablishment(em, input.clues);
    const sub = await findSubmission(em, est.id, input.year, true);
    if (!sub) fail('NO_SUBMISSION', ['year'], 'No hay propuesta de CPM para ese año.');
    if (sub.status !== CpmSubmissionStatus.PROPOSED) fail('INVALID_STATUS', ['year'], `Solo se ratifica una propuesta; esta está ${CPM_SUBMISSION_STATUS_LABEL[sub.status]}.`);
    const [{ n }] = await em.query('SELECT count(*)::int AS n FROM cpm_submission_line WHERE submission_id = $1', [sub.id]);
    if (n === 0) fail('EMPTY_SUBMISSION', ['year'], 'La propuesta no tiene claves.');
    await em.query(`UPDATE cpm_submission SET status = 'RATIFIED', ratified_at = now(), ratified_by = $2, updated_at = now() WHERE id = $1`, [sub.id, actor]);
    await event(em, sub.id, CpmSubmissionAction.RATIFIED, actor, null, 0);
    return (await loadSubmission(em, sub.id))!;
  });
}

/** Central returns a submission for changes, with a reason; it unfreezes a ratified one. */
export async function returnSubmission(ctx: Context, raw: CpmSubmissionReturnInput): Promise<CpmSubmission> {
  return runMutation(ctx, { operation: 'cpmSubmissionReturn', schema: CpmSubmissionReturnSchema, raw, scope: returners }, async (em, input, { actor }) => {
    const est = await requireEstablishment(em, input.clues);
    const sub = await findSubmission(em, est.id, input.year, true);
    if (!sub) fail('NO_SUBMISSION', ['year'], 'No hay propuesta de CPM para ese año.');
    if (sub.status === CpmSubmissionStatus.RETURNED) fail('INVALID_STATUS', ['year'], 'Ya está devuelta.');
    await em.query(`UPDATE cpm_submission SET status = 'RETURNED', ratified_at = NULL, ratified_by = NULL, updated_at = now() WHERE id = $1`, [sub.id]);
    await event(em, sub.id, CpmSubmissionAction.RETURNED, actor, input.reason, 0);
    return (await loadSubmission(em, sub.id))!;
  });
}

export async function submissionFor(ctx: Context, rawClues: string, year: number): Promise<CpmSubmission | null> {
  if (!isFiscalYear(year)) throw badRequest(ErrorCode.OUT_OF_RANGE, `year debe ser un ejercicio entre ${FISCAL_YEARS.min} y ${FISCAL_YEARS.max}.`);
  const loc = await location(ctx, rawClues);
  const [row] = await ctx.db.query('SELECT id FROM cpm_submission WHERE establishment_id = $1 AND year = $2', [loc.id, year]);
  return row ? loadSubmission(ctx.db.manager, row.id) : null;
}

export async function loadSubmission(em: EntityManager, id: number): Promise<CpmSubmission | null> {
  const [s] = await em.query(
    `SELECT cs.id AS pk, cs.establishment_id AS "establishmentId", e.clues, cs.year, cs.status, to_char(cs.calculated_from, 'YYYY-MM') AS "calculatedFrom",
            cs.proposed_at AS "proposedAt", cs.proposed_by AS "proposedBy", cs.ratified_at AS "ratifiedAt", cs.ratified_by AS "ratifiedBy"
       FROM cpm_submission cs JOIN establishment e ON e.id = cs.establishment_id WHERE cs.id = $1`,
    [id],
  );
  if (!s) return null;
  const lines = await em.query(
    `SELECT l.supply_item_id AS "supplyItemId", si.clave, l.cpm, l.calculated, l.justification
       FROM cpm_submission_line l JOIN supply_item si ON si.id = l.supply_item_id WHERE l.submission_id = $1 ORDER BY si.clave`,
    [id],
  );
  const history = await em.query(
    `SELECT action, actor, at, reason, lines_changed AS "linesChanged" FROM cpm_submission_event WHERE submission_id = $1 ORDER BY id`,
    [id],
  );
  return Object.assign(new CpmSubmission(), s, {
    lines: lines.map((l: object) => Object.assign(new CpmSubmissionLine(), l)),
    history,
  });
}
