import { EntityManager } from 'typeorm';
import type { Viewer } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { ErrorCode, fail, forbidden, UserError, userError, UserInputError } from '../../base/errors';
import { runMutation } from '../../db/mutation';
import { groupBy } from '../../domain/collections';
import { businessDay, lastDayOfMonth } from '../../domain/dates';
import { Role } from '../../domain/enums';
import { positionPartsSql } from '../stock/stock.position';
import { CAP_LOCK_NAMESPACE } from '../orders/order.service';
import {
  DistributionRound,
  DistributionRoundClave,
  DistributionRoundCreateInput,
  DistributionRoundCreateSchema,
  DistributionRoundRoute,
  DistributionRoundSkip,
  RoundSkipReason,
} from './distribution.types';
import { authorizedSql } from '../catalog/authorization';
import { fairShareSql } from './fair-share';
import { kitTemplateInForce } from './kits';

type Db = Pick<EntityManager, 'query'>;

/** Who may make a round: central for any state; a state coordinator for its own state's units only. */
const ROUND_MAKERS = [Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR] as const;

/** The last day of a route's delivery week in a month: week 1 = days 1–7 … week 5 = day 29 to the month's end. */
export function deliveryWeekEnd(month: string, week: number): string {
  const last = lastDayOfMonth(month);
  return week >= 5 ? last : `${month}-${String(week * 7).padStart(2, '0')}`;
}

const ROUND_SELECT = `
  SELECT r.id, r.number, to_char(r.month, 'YYYY-MM') AS month, r.kit_template_id AS "kitTemplateId", r.mode,
         r.state_codes AS "stateCodes", r.route_codes AS "routeCodes", r.created_at AS "createdAt", r.created_by AS "createdBy"
    FROM distribution_round r`;

const toRound = (row: Record<string, unknown>): DistributionRound => Object.assign(new DistributionRound(), row);

/** Rounds a viewer sees: national roles every one; others those with a unit in their scope. */
function roundScope(ctx: Context, params: unknown[]): string {
  const v = viewerOf(ctx);
  if (v.national) return 'true';
  if (v.stateCode) {
    params.push(v.stateCode);
    return `EXISTS (SELECT 1 FROM distribution_round_unit u JOIN establishment e ON e.id = u.establishment_id WHERE u.round_id = r.id AND e.state_code = $${params.length})`;
  }
  params.push(v.clues);
  const p = `$${params.length}`;
  return `EXISTS (SELECT 1 FROM distribution_round_unit u JOIN establishment e ON e.id = u.establishment_id JOIN route ro ON ro.id = u.route_id
                   JOIN warehouse w ON w.id = ro.warehouse_id JOIN establishment we ON we.id = w.establishment_id
                   WHERE u.round_id = r.id AND (e.clues = ${p} OR we.clues = ${p}))`;
}

export async function roundsFor(ctx: Context, month?: string | null): Promise<DistributionRound[]> {
  const params: unknown[] = [month ? `${month}-01` : null];
  const rows = await ctx.db.query(`${ROUND_SELECT} WHERE ($1::date IS NULL OR r.month = $1) AND ${roundScope(ctx, params)} ORDER BY r.month DESC, r.number DESC`, params);
  return rows.map(toRound);
}

export async function roundByNumber(ctx: Context, number: string): Promise<DistributionRound | null> {
  const params: unknown[] = [number];
  const [row] = await ctx.db.query(`${ROUND_SELECT} WHERE r.number = $1 AND ${roundScope(ctx, params)}`, params);
  return row ? toRound(row) : null;
}

/**
 * The units of a round a viewer may see figures of (below state level, so in its scope): national roles
 * every unit; a coordinator those of its state (a route's stops are in its warehouse's state); a warehouse
 * those on its routes; a unit itself alone. SQL over `e` (the unit) and `we` (its route's warehouse's
 * establishment); pushes its parameters.
 */
function unitsInScope(v: Viewer, params: unknown[]): string {
  if (v.national) return 'true';
  if (v.stateCode) {
    params.push(v.stateCode);
    return `(e.state_code = $${params.length} OR we.state_code = $${params.length})`;
  }
  params.push(v.clues);
  return `(e.clues = $${params.length} OR we.clues = $${params.length})`;
}

/** The warehouses whose stock figures a viewer may see: national every one; a coordinator its state's; a warehouse itself; a unit none. SQL over `we`. */
function warehousesInScope(v: Viewer, params: unknown[]): string {
  if (v.national) return 'true';
  params.push(v.stateCode ?? v.clues);
  return v.stateCode ? `we.state_code = $${params.length}` : `we.clues = $${params.length}`;
}

const UNIT_JOINS = `
  distribution_round_unit u JOIN establishment e ON e.id = u.establishment_id JOIN route ro ON ro.id = u.route_id
  JOIN warehouse w ON w.id = ro.warehouse_id JOIN establishment we ON we.id = w.establishment_id`;

/** Per round, the units and kits in the viewer's scope (a round's totals are below state level unless national). */
export async function roundTotals(db: Db, roundIds: readonly number[], v: Viewer): Promise<Map<number, { units: number; kits: number }>> {
  const params: unknown[] = [roundIds];
  const rows: Array<{ id: number; units: number; kits: number }> = await db.query(
    `SELECT u.round_id AS id, count(*)::int AS units, sum(u.kits)::int AS kits FROM ${UNIT_JOINS}
      WHERE u.round_id = ANY ($1::int[]) AND ${unitsInScope(v, params)} GROUP BY u.round_id`,
    params,
  );
  return new Map(rows.map((r) => [r.id, { units: r.units, kits: r.kits }]));
}

/** Per warehouse and clave: planned, available, allocated, units and units short (stored when the round was made); of the warehouses in the viewer's scope, per round. */
export async function roundClaves(db: Db, roundIds: readonly number[], v: Viewer): Promise<Map<number, DistributionRoundClave[]>> {
  const params: unknown[] = [roundIds];
  const rows: Array<DistributionRoundClave & { roundId: number }> = await db.query(
    `SELECT c.round_id AS "roundId", s.clave, c.supply_item_id AS "supplyItemId", we.clues AS "warehouseClues", c.planned, c.available, c.allocated, c.units, c.short_units AS "shortUnits"
       FROM distribution_round_clave c JOIN supply_item s ON s.id = c.supply_item_id
       JOIN warehouse w ON w.id = c.warehouse_id JOIN establishment we ON we.id = w.establishment_id
      WHERE c.round_id = ANY ($1::int[]) AND ${warehousesInScope(v, params)}
      ORDER BY we.clues, s.clave`,
    params,
  );
  return groupBy(rows, (r) => r.roundId);
}

/**
 * Route by route: units, kits, and how many were dispatched and received so far; of the units in the
 * viewer's scope (a unit sees its own stop's figures on its route, not the other centres'), per round.
 */
export async function roundRoutes(db: Db, rounds: ReadonlyArray<{ id: number; month: string }>, v: Viewer): Promise<Map<number, DistributionRoundRoute[]>> {
  const params: unknown[] = [rounds.map((r) => r.id)];
  const rows: Array<Omit<DistributionRoundRoute, 'deliverBy'> & { roundId: number }> = await db.query(
    `SELECT u.round_id AS "roundId", ro.code, ro.name, ro.carrier, ro.delivery_week AS "deliveryWeek", we.clues AS "warehouseClues",
            count(*)::int AS units, sum(u.kits)::int AS kits,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM shipment sh WHERE sh.order_id = u.order_id))::int AS dispatched,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM shipment sh WHERE sh.order_id = u.order_id AND sh.status = 'RECEIVED'))::int AS received
       FROM ${UNIT_JOINS}
      WHERE u.round_id = ANY ($1::int[]) AND ${unitsInScope(v, params)}
      GROUP BY u.round_id, ro.id, we.clues ORDER BY ro.code`,
    params,
  );
  const monthOf = new Map(rounds.map((r) => [r.id, r.month]));
  const byRound = groupBy(rows, (r) => r.roundId);
  return new Map([...byRound].map(([id, list]) => [id, list.map(({ roundId: _, ...r }) => ({ ...r, deliverBy: deliveryWeekEnd(monthOf.get(id)!, r.deliveryWeek) }))]));
}

/**
 * A month's round (issue 20), in one transaction:
 *
 * 1. the kit's version in force on the month's first day, and its routes (those named, or all), with their
 *    operating units in the network (of the states named) and each unit's kits a month (establishment_kits);
 * 2. refused, writing nothing, when: the month is past; no route or unit is left; a unit already has a
 *    round of the kit that month; a state coordinator reaches a unit outside its state; or a warehouse of
 *    the round has nothing at all of the kit to send;
 * 3. each unit's need per clave: FULL_KIT kits × pieces; TOP_UP that standard less its usable pieces and
 *    those on the way (stock.position.ts), never below 0;
 * 4. each warehouse's available pieces (usable less what open orders already promise), shared by
 *    fairShareSql when short;
 * 5. an approved REPLENISHMENT order per unit with a need (origin DISTRIBUTION: requested = need, approved
 *    = allocated), promised for the last day of its route's delivery week, and per clave the report.
 *
 * The warehouses of the round are locked (advisory, in id order) so two rounds never promise the same pieces.
 */
export function createRound(ctx: Context, raw: DistributionRoundCreateInput): Promise<DistributionRound> {
  return runMutation(
    ctx,
    {
      operation: 'distributionRoundCreate',
      schema: DistributionRoundCreateSchema,
      raw,
      scope: { roles: ROUND_MAKERS },
      check: (input, viewer) => {
        if (viewer.role === Role.STATE_COORDINATOR && input.stateCodes?.some((s) => s !== viewer.stateCode)) throw forbidden();
      },
      idempotencyKey: (input) => input.idempotencyKey,
    },
    async (em, input, meta) => {
      const v = meta.viewer;
      // here, not in check(): a replay of last month's round still answers with the round it made
      if (input.month < businessDay().slice(0, 7)) fail('MONTH_IN_PAST', ['month'], `El mes ${input.month} ya pasó: una ronda nueva es para este mes o uno posterior.`);
      const month = `${input.month}-01`;
      const stateCodes = v.role === Role.STATE_COORDINATOR ? [v.stateCode!] : input.stateCodes?.length ? input.stateCodes : null;
      const template = await kitTemplateInForce(em, input.kitTemplate, month);
      if (!template) {
        const [any] = await em.query('SELECT 1 FROM kit_template WHERE code = $1 LIMIT 1', [input.kitTemplate]);
        fail(any ? 'KIT_NOT_IN_FORCE' : 'UNKNOWN_KIT', ['kitTemplate'], any ? `El kit ${input.kitTemplate} no tiene versión vigente en ${input.month}.` : `No existe el kit ${input.kitTemplate}.`);
      }
      if (input.routes?.length) {
        const found: Array<{ code: string; kit: string }> = await em.query('SELECT code, kit_template_code AS kit FROM route WHERE code = ANY ($1::text[])', [input.routes]);
        const errors: UserError[] = [];
        input.routes.forEach((code, i) => {
          const r = found.find((f) => f.code === code);
          if (!r) errors.push(userError('UNKNOWN_ROUTE', ['routes', i], `No existe la ruta ${code}.`));
          else if (r.kit !== template.code) errors.push(userError(ErrorCode.INCONSISTENT, ['routes', i], `La ruta ${code} lleva el kit ${r.kit}, no ${template.code}.`));
        });
        if (errors.length) throw new UserInputError(errors);
      }

      // 1. The units: on the kit's routes (those named), operating and in the network, of the states named.
      const units: Array<{ id: number; clues: string; state_code: string; route_id: number; position: number; warehouse_id: number; warehouse_est: number; kits: number; source: string; week: number }> =
        await em.query(
          `SELECT e.id, e.clues, e.state_code, s.route_id, s.position, r.warehouse_id, w.establishment_id AS warehouse_est, k.kits, k.source, r.delivery_week AS week
             FROM route r JOIN route_stop s ON s.route_id = r.id JOIN establishment e ON e.id = s.establishment_id
             JOIN warehouse w ON w.id = r.warehouse_id JOIN establishment_kits k ON k.establishment_id = e.id
            WHERE r.kit_template_code = $1 AND ($2::text[] IS NULL OR r.code = ANY ($2)) AND ($3::text[] IS NULL OR e.state_code = ANY ($3))
              AND e.operating AND e.in_network AND k.kits > 0
            ORDER BY r.code, s.position`,
          [template.code, input.routes?.length ? input.routes : null, stateCodes],
        );
      if (!units.length) fail('NO_UNITS', ['routes'], `Ninguna unidad en operación de la red está en una ruta del kit ${template.code}${stateCodes ? ` en ${stateCodes.join(', ')}` : ''}.`);
      if (v.role === Role.STATE_COORDINATOR && units.some((u) => u.state_code !== v.stateCode)) throw forbidden();

      // two rounds, or a round and a capped approval, never promise the same pieces: the supplying
      // warehouses one at a time, under the lock capped approvals take (order.service.ts)
      const warehouses = [...new Set(units.map((u) => u.warehouse_est))].sort((a, b) => a - b);
      for (const w of warehouses) await em.query('SELECT pg_advisory_xact_lock($1, $2)', [CAP_LOCK_NAMESPACE, w]);

      const again: Array<{ clues: string; number: string }> = await em.query(
        `SELECT e.clues, r.number FROM distribution_round_unit u JOIN establishment e ON e.id = u.establishment_id JOIN distribution_round r ON r.id = u.round_id
          WHERE u.month = $1 AND u.kit_template_code = $2 AND u.establishment_id = ANY ($3::int[]) ORDER BY e.clues LIMIT 11`,
        [month, template.code, units.map((u) => u.id)],
      );
      if (again.length) {
        const list = again.slice(0, 10).map((a) => `${a.clues} (${a.number})`).join(', ');
        fail('ALREADY_IN_ROUND', ['month'], `Ya hay ronda de ${template.code} en ${input.month} para ${list}${again.length > 10 ? ' y más' : ''}: una unidad recibe una ronda por mes.`);
      }

      // 3–4. Needs and fair shares, set-based, in a temporary table the inserts read.
      const day = businessDay();
      const unitIds = units.map((u) => u.id);
      await em.query('DROP TABLE IF EXISTS round_plan');
      const plan = planStatement(units, template.lines, input.mode, day, Number(input.month.slice(0, 4)));
      await em.query(`CREATE TEMP TABLE round_plan ON COMMIT DROP AS ${plan.sql}`, plan.params);
      // every unit's figures fit the report's columns: a clave planned beyond 2,147,483,647 pieces at one warehouse is refused
      const [huge] = await em.query(
        `SELECT s.clave FROM round_plan p JOIN supply_item s ON s.id = p.supply_item_id GROUP BY p.warehouse_id, s.clave HAVING sum(p.need) > ${INT_MAX} LIMIT 1`,
      );
      if (huge) fail('ROUND_TOO_LARGE', ['kitTemplate'], `La ronda planea más de ${INT_MAX.toLocaleString('es-MX')} piezas de ${huge.clave} en un almacén: divídala por entidad o por rutas.`);

      const nothing: Array<{ clues: string }> = await em.query(
        `SELECT e.clues FROM round_plan p JOIN establishment e ON e.id = p.warehouse_id GROUP BY e.clues HAVING sum(p.allocated) = 0 ORDER BY 1`,
      );
      if (nothing.length) {
        fail('NOTHING_TO_SEND', ['kitTemplate'], `El almacén ${nothing.map((n) => n.clues).join(', ')} no tiene piezas utilizables sin comprometer de ninguna clave del kit ${template.code}: la ronda no podría surtirse.`);
      }
      // units that get nothing are not in the round (no order; a later round of the month may supply them) but are reported
      const supplied = new Set<number>(
        (await em.query('SELECT establishment_id AS id FROM round_plan GROUP BY 1 HAVING sum(allocated) > 0')).map((r: { id: number }) => r.id),
      );
      if (!supplied.size) {
        fail('NO_NEED', ['mode'], `Ninguna unidad necesita piezas del kit ${template.code}: ${input.mode === 'TOP_UP' ? 'todas tienen lo del estándar (utilizable, en camino o aprobado)' : 'ninguna clave del kit está autorizada para ellas'}.`);
      }
      const skips = await skippedUnits(em, units.filter((u) => !supplied.has(u.id)), template.lines, Number(input.month.slice(0, 4)));

      // 5. The round, an order per unit with a need, its lines and the report per clave.
      const [round] = await em.query(
        `INSERT INTO distribution_round (number, month, kit_template_id, mode, state_codes, route_codes, created_by, idempotency_key)
         VALUES ('RS-' || to_char($1::date, 'YYYY-MM') || '-' || lpad(nextval('distribution_round_number_seq')::text, 4, '0'),
                 $1, $2, $3, $4, $5, $6, $7) RETURNING id, number`,
        [month, template.id, input.mode, stateCodes, input.routes?.length ? input.routes : null, meta.actor, meta.idempotencyKey],
      );
      const weekEnd = new Map(units.map((u) => [u.id, deliveryWeekEnd(input.month, u.week)]));
      // each order claims a key of its own, derived from the round's (the round's key is the caller's)
      await em.query(
        `INSERT INTO idempotency_key (key, operation, subject, request_hash)
         SELECT 'ronda:' || md5($1) || ':' || e.clues, 'distributionRoundCreate', $2, md5($1)
           FROM establishment e WHERE e.id = ANY ($3::int[])`,
        [meta.idempotencyKey, meta.actor, [...supplied]],
      );
      const orders: Array<{ id: number; requesting_id: number }> = await em.query(
        `INSERT INTO supply_order (number, kind, status, origin, requesting_id, supplying_id, promised_on, created_by, submitted_at, approved_at, approved_by, idempotency_key, distribution_round_id)
         SELECT 'OS-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('order_number_seq')::text, 6, '0'),
                'REPLENISHMENT', 'APPROVED', 'DISTRIBUTION', u.establishment_id, u.warehouse_est, u.promised_on, $1, now(), now(), $1,
                'ronda:' || md5($2) || ':' || u.clues, $3
           FROM unnest($4::int[], $5::int[], $6::date[], $7::text[]) WITH ORDINALITY AS u(establishment_id, warehouse_est, promised_on, clues, n)
          WHERE u.establishment_id = ANY ($8::int[])
          ORDER BY u.n
         RETURNING id, requesting_id`,
        [meta.actor, meta.idempotencyKey, round.id, unitIds, units.map((u) => u.warehouse_est), units.map((u) => weekEnd.get(u.id)), units.map((u) => u.clues), [...supplied]],
      );
      await em.query(
        `INSERT INTO supply_order_line (order_id, supply_item_id, requested, approved)
         SELECT o.id, p.supply_item_id, p.need, p.allocated FROM round_plan p JOIN unnest($1::int[], $2::int[]) AS o(id, requesting_id) ON o.requesting_id = p.establishment_id`,
        [orders.map((o) => o.id), orders.map((o) => o.requesting_id)],
      );
      await em.query(
        `INSERT INTO distribution_round_unit (round_id, establishment_id, route_id, stop_position, kits, kits_source, order_id, month, kit_template_code)
         SELECT $1, u.establishment_id, u.route_id, u.position, u.kits, u.source, o.id, $2, $3
           FROM unnest($4::int[], $5::int[], $6::int[], $7::int[], $8::text[]) AS u(establishment_id, route_id, position, kits, source)
           JOIN unnest($9::int[], $10::int[]) AS o(id, requesting_id) ON o.requesting_id = u.establishment_id`,
        [
          round.id,
          month,
          template.code,
          unitIds,
          units.map((u) => u.route_id),
          units.map((u) => u.position),
          units.map((u) => u.kits),
          units.map((u) => u.source),
          orders.map((o) => o.id),
          orders.map((o) => o.requesting_id),
        ],
      );
      await em.query(
        `INSERT INTO distribution_round_clave (round_id, warehouse_id, supply_item_id, planned, available, allocated, units, short_units)
         SELECT $1, w.id, p.supply_item_id, sum(p.need), least(max(p.available), ${INT_MAX}), sum(p.allocated), count(*), count(*) FILTER (WHERE p.allocated < p.need)
           FROM round_plan p JOIN warehouse w ON w.establishment_id = p.warehouse_id
          GROUP BY w.id, p.supply_item_id`,
        [round.id],
      );
      if (skips.length) {
        const byId = new Map(units.map((u) => [u.id, u]));
        await em.query(
          `INSERT INTO distribution_round_skip (round_id, establishment_id, route_id, stop_position, kits, reason)
           SELECT $1, * FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::text[])`,
          [round.id, skips.map((k) => k.id), skips.map((k) => byId.get(k.id)!.route_id), skips.map((k) => byId.get(k.id)!.position), skips.map((k) => byId.get(k.id)!.kits), skips.map((k) => k.reason)],
        );
      }
      await em.query('SELECT order_fill_refresh($1::int[])', [orders.map((o) => o.id)]);
      return roundById(em, round.id);
    },
    async (em, _input, meta) => {
      const [row] = await em.query(`${ROUND_SELECT} WHERE r.created_by = $1 AND r.idempotency_key = $2`, [meta.actor, meta.idempotencyKey]);
      return toRound(row);
    },
  );
}

const INT_MAX = 2_147_483_647;

/**
 * Why units of a round get nothing: NOT_AUTHORIZED (no clave of the kit is authorised for it), NO_NEED
 * (TOP_UP: it holds, has on the way or has approved every clave's standard), NOTHING_ALLOCATED (it
 * needed pieces the warehouse did not have free).
 */
async function skippedUnits(
  db: Db,
  units: ReadonlyArray<{ id: number }>,
  lines: ReadonlyArray<{ supplyItemId: number }>,
  year: number,
): Promise<Array<{ id: number; reason: RoundSkipReason }>> {
  if (!units.length) return [];
  const rows: Array<{ id: number; authorized: number; needed: boolean }> = await db.query(
    `SELECT e.id, count(s.id)::int AS authorized, EXISTS (SELECT 1 FROM round_plan p WHERE p.establishment_id = e.id) AS needed
       FROM establishment e LEFT JOIN supply_item s ON s.id = ANY ($2::int[]) AND ${authorizedSql('e', 's', '$3::int')}
      WHERE e.id = ANY ($1::int[]) GROUP BY e.id`,
    [units.map((u) => u.id), lines.map((l) => l.supplyItemId), year],
  );
  return rows.map((r) => ({
    id: r.id,
    reason: r.needed ? RoundSkipReason.NOTHING_ALLOCATED : r.authorized ? RoundSkipReason.NO_NEED : RoundSkipReason.NOT_AUTHORIZED,
  }));
}

export async function roundById(db: Db, id: number): Promise<DistributionRound> {
  const [row] = await db.query(`${ROUND_SELECT} WHERE r.id = $1`, [id]);
  return toRound(row);
}

/**
 * The round's plan as one statement: each unit's need per clave of the kit (FULL_KIT: kits × pieces;
 * TOP_UP: that standard less what it holds usable and has on the way), each warehouse's available pieces
 * (usable less open promises), and the fair shares (fairShareSql). Columns: warehouse_id (its
 * establishment), supply_item_id, establishment_id, clues, need, lack, stocked_out, allocated, available.
 */
export function planStatement(
  units: ReadonlyArray<{ id: number; warehouse_est: number; kits: number; clues: string }>,
  lines: ReadonlyArray<{ supplyItemId: number; pieces: number }>,
  mode: string,
  day: string,
  year: number,
): { sql: string; params: unknown[] } {
  // what a unit lacks against the standard: kits × pieces, less what it holds usable, has on the way and
  // has approved but not yet sent (an open order's promise), never below 0
  const lack = 'greatest(0, u.kits * l.pieces - coalesce(b.usable, 0) - coalesce(t.in_transit, 0) - coalesce(i.pending_in, 0))';
  return {
    sql: `WITH ${positionPartsSql({
      where: (e, i) => `(${e} = ANY ($1::int[]) OR ${e} = ANY ($2::int[])) AND ${i} = ANY ($3::int[])`,
      day: '$4::date',
      year: 'NULL::int',
      month: 'NULL::date',
    })},
         units AS (SELECT * FROM unnest($1::int[], $5::int[], $6::int[], $7::text[]) AS u(establishment_id, warehouse_est, kits, clues)),
         lines AS (SELECT * FROM unnest($3::int[], $8::int[]) AS l(supply_item_id, pieces)),
         needs AS (
           SELECT u.warehouse_est AS warehouse_id, l.supply_item_id, u.establishment_id, u.clues,
                  CASE WHEN $9 = 'FULL_KIT' THEN u.kits * l.pieces ELSE ${lack} END AS need,
                  ${lack} AS lack,
                  coalesce(b.usable, 0) + coalesce(t.in_transit, 0) = 0 AS stocked_out
             FROM units u CROSS JOIN lines l
             JOIN establishment e ON e.id = u.establishment_id JOIN supply_item s ON s.id = l.supply_item_id
             LEFT JOIN pos_b b ON b.establishment_id = u.establishment_id AND b.supply_item_id = l.supply_item_id
             LEFT JOIN pos_t t ON t.establishment_id = u.establishment_id AND t.supply_item_id = l.supply_item_id
             LEFT JOIN pos_in i ON i.establishment_id = u.establishment_id AND i.supply_item_id = l.supply_item_id
            WHERE ${authorizedSql('e', 's', '$10::int')}
         ),
         available AS (
           SELECT w.id AS warehouse_id, l.supply_item_id, greatest(0, coalesce(b.usable, 0) - coalesce(o.pending_out, 0)) AS available
             FROM unnest($2::int[]) AS w(id) CROSS JOIN lines l
             LEFT JOIN pos_b b ON b.establishment_id = w.id AND b.supply_item_id = l.supply_item_id
             LEFT JOIN pos_out o ON o.establishment_id = w.id AND o.supply_item_id = l.supply_item_id
         ),
         shared AS (${fairShareSql('SELECT * FROM needs WHERE need > 0', 'SELECT * FROM available')})
         SELECT sh.*, a.available FROM shared sh JOIN available a USING (warehouse_id, supply_item_id)`,
    params: [
      units.map((u) => u.id),
      [...new Set(units.map((u) => u.warehouse_est))],
      lines.map((l) => l.supplyItemId),
      day,
      units.map((u) => u.warehouse_est),
      units.map((u) => u.kits),
      units.map((u) => u.clues),
      lines.map((l) => l.pieces),
      mode,
      year,
    ],
  };
}

/** The plan statement of a round already made, over its units and kit, as a count (for the benchmark's raw SQL run). */
export async function roundPlanSql(db: Db, roundId: number): Promise<{ sql: string; params: unknown[] }> {
  const [r] = await db.query('SELECT kit_template_id AS "kitTemplateId", mode, extract(year FROM month)::int AS year FROM distribution_round WHERE id = $1', [roundId]);
  const units = await db.query(
    `SELECT u.establishment_id AS id, w.establishment_id AS warehouse_est, u.kits, e.clues
       FROM distribution_round_unit u JOIN establishment e ON e.id = u.establishment_id JOIN route ro ON ro.id = u.route_id JOIN warehouse w ON w.id = ro.warehouse_id
      WHERE u.round_id = $1 ORDER BY ro.code, u.stop_position`,
    [roundId],
  );
  const lines = await db.query('SELECT supply_item_id AS "supplyItemId", pieces FROM kit_template_line WHERE template_id = $1', [r.kitTemplateId]);
  const plan = planStatement(units, lines, r.mode, businessDay(), r.year);
  return { sql: `SELECT count(*) FROM (${plan.sql}) plan`, params: plan.params };
}

/** Rounds by id, for a loader. */
export async function roundsByIds(db: Db, ids: readonly number[]): Promise<DistributionRound[]> {
  const rows = await db.query(`${ROUND_SELECT} WHERE r.id = ANY ($1::int[])`, [ids]);
  return rows.map(toRound);
}

const SKIP_MESSAGE: Readonly<Record<RoundSkipReason, string>> = {
  NOT_AUTHORIZED: 'Ninguna clave del kit está autorizada para su nivel o tipología.',
  NO_NEED: 'Tiene lo del estándar del kit (utilizable, en camino o aprobado): no necesitó piezas.',
  NOTHING_ALLOCATED: 'Necesitaba piezas que el almacén no tenía libres: no recibió nada en esta ronda.',
};

/** Units of rounds that got nothing, and why, in the viewer's scope, per round (stop order). */
export async function roundSkips(db: Db, roundIds: readonly number[], v: Viewer): Promise<Map<number, DistributionRoundSkip[]>> {
  const params: unknown[] = [roundIds];
  const rows: Array<DistributionRoundSkip & { roundId: number }> = await db.query(
    `SELECT u.round_id AS "roundId", e.clues, e.name, ro.code AS "routeCode", u.stop_position AS position, u.kits, u.reason
       FROM distribution_round_skip u JOIN establishment e ON e.id = u.establishment_id JOIN route ro ON ro.id = u.route_id
       JOIN warehouse w ON w.id = ro.warehouse_id JOIN establishment we ON we.id = w.establishment_id
      WHERE u.round_id = ANY ($1::int[]) AND ${unitsInScope(v, params)}
      ORDER BY ro.code, u.stop_position`,
    params,
  );
  return groupBy(
    rows.map((r) => Object.assign(new DistributionRoundSkip(), r, { message: SKIP_MESSAGE[r.reason] })),
    (r) => r.roundId,
  );
}
