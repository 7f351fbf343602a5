import { EntityManager } from 'typeorm';
import { Roles, Viewer } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { ErrorCode, fail, UserError, userError, UserInputError } from '../../base/errors';
import { runMutation } from '../../db/mutation';
import { LEVEL_OF_CARE_LABEL, LevelOfCare } from '../../domain/enums';
import { Route, RouteUpsertInput, RouteUpsertSchema } from './distribution.types';

type Db = Pick<EntityManager, 'query'>;

const ROUTE_SELECT = `
  SELECT r.id, r.code, r.name, r.carrier, r.delivery_week AS "deliveryWeek", r.kit_template_code AS "kitTemplateCode",
         r.warehouse_id AS "warehouseId", we.id AS "warehouseEstablishmentId", we.clues AS "warehouseClues",
         coalesce((SELECT json_agg(json_build_object('position', s.position, 'clues', e.clues, 'establishmentId', e.id) ORDER BY s.position)
                     FROM route_stop s JOIN establishment e ON e.id = s.establishment_id WHERE s.route_id = r.id), '[]') AS stops
    FROM route r JOIN warehouse w ON w.id = r.warehouse_id JOIN establishment we ON we.id = w.establishment_id`;

const toRoute = (row: Record<string, unknown>): Route => Object.assign(new Route(), row);

/**
 * The routes a viewer sees, as for warehouses: national roles all; a coordinator those leaving from its
 * state; a warehouse user its own; a unit's user the route that stops at it.
 */
export function routeScopeSql(v: Viewer, params: unknown[]): string {
  if (v.national) return 'true';
  if (v.stateCode) {
    params.push(`${v.stateCode}`);
    return `we.state_code = $${params.length}`;
  }
  if (v.clues) {
    params.push(v.clues);
    const p = `$${params.length}`;
    return `(we.clues = ${p} OR EXISTS (SELECT 1 FROM route_stop s JOIN establishment e ON e.id = s.establishment_id WHERE s.route_id = r.id AND e.clues = ${p}))`;
  }
  return 'false';
}

export async function routesFor(ctx: Context, filter: { warehouseClues?: string | null; kitTemplateCode?: string | null; code?: string | null }): Promise<Route[]> {
  const params: unknown[] = [filter.warehouseClues?.trim().toUpperCase() ?? null, filter.kitTemplateCode?.trim().toUpperCase() ?? null, filter.code?.trim().toUpperCase() ?? null];
  const scope = routeScopeSql(viewerOf(ctx), params);
  const rows = await ctx.db.query(
    `${ROUTE_SELECT} WHERE ($1::text IS NULL OR we.clues = $1) AND ($2::text IS NULL OR r.kit_template_code = $2) AND ($3::text IS NULL OR r.code = $3) AND ${scope}
      ORDER BY r.code`,
    params,
  );
  return rows.map(toRoute);
}

export async function routeById(db: Db, id: number): Promise<Route> {
  const [row] = await db.query(`${ROUTE_SELECT} WHERE r.id = $1`, [id]);
  return toRoute(row);
}

/**
 * Creates or replaces a route (by code). Its warehouse must be one; its stops operating establishments
 * of the warehouse's state, each once, and on no other route of the same kit. Central anywhere; a state
 * coordinator for a warehouse of its state.
 */
export function upsertRoute(ctx: Context, raw: RouteUpsertInput): Promise<Route> {
  return runMutation(
    ctx,
    {
      operation: 'routeUpsert',
      schema: RouteUpsertSchema,
      raw,
      scope: (input) => ({ roles: Roles.registryWriters, clues: input.warehouseClues }),
    },
    async (em, input, meta) => {
      await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`route_kit:${input.kitTemplateCode}`]);
      const errors: UserError[] = [];
      const [warehouse] = await em.query(
        `SELECT w.id, e.clues, e.state_code FROM warehouse w JOIN establishment e ON e.id = w.establishment_id WHERE e.clues = $1`,
        [input.warehouseClues],
      );
      if (!warehouse) errors.push(userError('NOT_A_WAREHOUSE', ['warehouseClues'], `${input.warehouseClues} no es un almacén del registro.`));
      const [kit]: Array<{ level: string }> = await em.query('SELECT level_of_care AS level FROM kit_template WHERE code = $1 ORDER BY version DESC LIMIT 1', [input.kitTemplateCode]);
      if (!kit) errors.push(userError('UNKNOWN_KIT', ['kitTemplateCode'], `No existe el kit ${input.kitTemplateCode}.`));
      const stops: Array<{ id: number; clues: string; state_code: string; operating: boolean; level: string | null; other: string | null }> = await em.query(
        `SELECT e.id, e.clues, e.state_code, e.operating, e.care_level AS level,
                (SELECT r.code FROM route_stop s JOIN route r ON r.id = s.route_id
                  WHERE s.establishment_id = e.id AND s.kit_template_code = $2 AND r.code <> $3) AS other
           FROM establishment e WHERE e.clues = ANY ($1::bpchar[])`,
        [input.stops, input.kitTemplateCode, input.code],
      );
      const byClues = new Map(stops.map((s) => [s.clues, s]));
      const seen = new Set<string>();
      input.stops.forEach((clues, i) => {
        const s = byClues.get(clues);
        const field = ['stops', i];
        if (seen.has(clues)) return errors.push(userError(ErrorCode.DUPLICATE_LINE, field, `La CLUES ${clues} está dos veces en la ruta.`));
        seen.add(clues);
        if (!s) return errors.push(userError(ErrorCode.UNKNOWN_CLUES, field, `No existe la CLUES ${clues}.`));
        if (warehouse && s.state_code !== warehouse.state_code) {
          errors.push(userError('STOP_OUTSIDE_STATE', field, `${clues} es de otra entidad que el almacén ${input.warehouseClues}: una ruta no sale de su entidad.`));
        }
        if (!s.operating) errors.push(userError('NOT_OPERATING', field, `${clues} no está en operación.`));
        if (kit && s.level !== kit.level) {
          errors.push(userError('LEVEL_MISMATCH', field, `${clues} es de ${s.level ? LEVEL_OF_CARE_LABEL[s.level as LevelOfCare] : 'nivel de atención sin registrar'} y el kit ${input.kitTemplateCode} es de ${LEVEL_OF_CARE_LABEL[kit.level as LevelOfCare]}: la ruta de un kit lleva unidades de su nivel.`));
        }
        if (s.other) errors.push(userError('ALREADY_ON_ROUTE', field, `${clues} ya está en la ruta ${s.other} del kit ${input.kitTemplateCode}: una unidad va en una sola ruta por kit.`));
      });
      if (errors.length) throw new UserInputError(errors);
      const [existing] = await em.query('SELECT id, warehouse_id FROM route WHERE code = $1 FOR UPDATE', [input.code]);
      if (existing && existing.warehouse_id !== warehouse.id) {
        const [open] = await em.query(
          `SELECT r.number FROM distribution_round_unit u JOIN distribution_round r ON r.id = u.round_id JOIN supply_order o ON o.id = u.order_id
            WHERE u.route_id = $1 AND o.status IN ('APPROVED', 'PARTIALLY_FULFILLED') LIMIT 1`,
          [existing.id],
        );
        if (open) {
          fail('ROUTE_IN_USE', ['warehouseClues'], `La ruta ${input.code} tiene pedidos abiertos de la ronda ${open.number} surtidos por su almacén actual: no cambia de almacén hasta que se cierren.`);
        }
        // moving a route to another warehouse is a change the old warehouse's side must be allowed too
        const [old] = await em.query('SELECT e.clues FROM warehouse w JOIN establishment e ON e.id = w.establishment_id WHERE w.id = $1', [existing.warehouse_id]);
        meta.viewer.assertMayActAt(Roles.registryWriters, old.clues);
      }
      const params = [input.code, input.name, warehouse.id, input.carrier, input.deliveryWeek, input.kitTemplateCode, meta.actor];
      const [{ id }] = existing
        ? await em.query(
            `UPDATE route SET name = $2, warehouse_id = $3, carrier = $4, delivery_week = $5, kit_template_code = $6, updated_by = $7, updated_at = now()
              WHERE code = $1 RETURNING id`,
            params,
          ).then(([rows]: [Array<{ id: number }>, number]) => rows) // an UPDATE answers [rows, count]
        : await em.query(
            `INSERT INTO route (code, name, warehouse_id, carrier, delivery_week, kit_template_code, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
            params,
          );
      await em.query('DELETE FROM route_stop WHERE route_id = $1', [id]);
      await em.query(
        `INSERT INTO route_stop (route_id, position, establishment_id, kit_template_code)
         SELECT $1, s.position, e.id, $3 FROM unnest($2::text[]) WITH ORDINALITY AS s(clues, position) JOIN establishment e ON e.clues = s.clues`,
        [id, input.stops, input.kitTemplateCode],
      );
      return routeById(em, id);
    },
  );
}
