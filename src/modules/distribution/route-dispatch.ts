import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { z } from 'zod';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { fail, forbidden, UserError, UserInputError } from '../../base/errors';
import { DateScalar, DateTimeScalar } from '../../base/scalars';
import { businessInstant, idempotencyKeyField } from '../../base/validation';
import { createHash } from 'node:crypto';
import { runMutation } from '../../db/mutation';
import { businessDay } from '../../domain/dates';
import { neutralizeCell } from '../../domain/spreadsheet-cell';
import { Order, OrderLine, OrderStatus, Shipment, ShipmentLine } from '../orders/order.types';
import { ordersWhere, shipmentsWhere } from '../orders/order.queries';
import { pickList, PickListLine, planFromAvailable } from '../orders/pick-list';
import { dispatchLocked } from '../orders/shipment.service';
import { isDispatcher } from '../orders/order.scope';
import { DispatchShortfall } from '../orders/shipment.types';
import { ExportFile } from '../procurement/procurement.types';
import { itemLots, LockedLot } from '../stock/ledger';
import { codeField } from './distribution.types';
import { deliveryWeekEnd } from './rounds';

type Db = DataSource | EntityManager;

/** A caller's key, shortened to name the keys derived from it (a key may be 200 characters). */
const codeOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

@ObjectType({ description: 'One stop of a route\'s manifest: the unit, its kits, its order and what to load for it.' })
export class ManifestStop {
  @Field(() => Int)
  position: number;

  @Field()
  clues: string;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  locality: string | null;

  @Field(() => Int)
  kits: number;

  @Field()
  orderNumber: string;

  @Field(() => String, { description: 'The order\'s status (APPROVED until dispatched, then PARTIALLY_FULFILLED / FULFILLED as it is received).' })
  status: string;

  @Field(() => [String], { description: 'Shipments (remisiones) sent against the order so far.' })
  shipments: string[];

  @Field(() => Int, { description: 'Pieces approved for the stop, all claves.' })
  approved: number;

  @Field(() => Int, { description: 'Pieces dispatched so far.' })
  dispatched: number;

  @Field(() => [PickListLine], { description: 'What to load for it now, lot by lot (FEFO, stops taking in route order from the same shelves).' })
  picks: PickListLine[];

  @Field(() => [ShipmentLine], { description: 'What was sent to it already, lot by lot (its shipments\' lines, with what it accepted and rejected once received).' })
  shipped: ShipmentLine[];

  @Field(() => [DispatchShortfall], { description: 'What cannot be loaded for it and why.' })
  leftBehind: DispatchShortfall[];
}

@ObjectType({ description: 'A route of a round, as the warehouse loads and the driver delivers it: stops in order, kits, and the pick list by lot.' })
export class RouteManifest {
  @Field()
  roundNumber: string;

  @Field({ description: 'YYYY-MM.' })
  month: string;

  @Field()
  routeCode: string;

  @Field()
  routeName: string;

  @Field()
  carrier: string;

  @Field()
  warehouseClues: string;

  @Field()
  kitTemplateCode: string;

  @Field(() => Int)
  deliveryWeek: number;

  @Field(() => DateScalar, { description: 'The last day of the delivery week: on time when received by then.' })
  deliverBy: string;

  @Field(() => DateScalar, { description: 'The day the lots are judged usable on (today).' })
  asOf: string;

  @Field(() => [ManifestStop])
  stops: ManifestStop[];

  @Field(() => [PickListLine], { description: 'The whole route\'s pick list: per lot, every stop\'s pieces added up, in FEFO order per clave.' })
  picks: PickListLine[];
}

interface RouteOfRound {
  roundId: number;
  roundNumber: string;
  month: string;
  routeId: number;
  routeCode: string;
  routeName: string;
  carrier: string;
  deliveryWeek: number;
  kitTemplateCode: string;
  warehouseId: number;
  warehouseClues: string;
  stops: Array<{ position: number; clues: string; name: string; locality: string | null; kits: number; orderId: number }>;
}

async function routeOfRound(db: Db, roundNumber: string, routeCode: string): Promise<RouteOfRound | null> {
  const [row] = await db.query(
    `SELECT r.id AS "roundId", r.number AS "roundNumber", to_char(r.month, 'YYYY-MM') AS month, ro.id AS "routeId", ro.code AS "routeCode", ro.name AS "routeName",
            ro.carrier, ro.delivery_week AS "deliveryWeek", ro.kit_template_code AS "kitTemplateCode", we.id AS "warehouseId", we.clues AS "warehouseClues",
            json_agg(json_build_object('position', u.stop_position, 'clues', e.clues, 'name', e.name, 'locality', e.locality, 'kits', u.kits, 'orderId', u.order_id)
                     ORDER BY u.stop_position) AS stops
       FROM distribution_round r JOIN distribution_round_unit u ON u.round_id = r.id JOIN route ro ON ro.id = u.route_id
       -- the warehouse the round's orders are on, not the route's today (a route may have moved since)
       JOIN supply_order o ON o.id = u.order_id JOIN establishment we ON we.id = o.supplying_id JOIN establishment e ON e.id = u.establishment_id
      WHERE r.number = $1 AND ro.code = $2
      GROUP BY r.id, ro.id, we.id`,
    [roundNumber, routeCode],
  );
  return row ?? null;
}

/** Who may read a manifest: national roles, the state's coordinator, the route's warehouse. */
function assertMayRead(ctx: Context, r: RouteOfRound): void {
  if (!viewerOf(ctx).covers(r.warehouseClues)) throw forbidden();
}

/**
 * The route's manifest: stops in order, each with its kits, order and what to load for it now — the
 * same "send what is available" plan the dispatch applies (pick-list.ts), stop after stop on one copy of
 * the warehouse's shelves, so the route's pick list is what routeDispatch will take.
 */
export async function routeManifest(ctx: Context, roundNumber: string, routeCode: string): Promise<RouteManifest | null> {
  const r = await routeOfRound(ctx.db, roundNumber.trim(), routeCode.trim().toUpperCase());
  if (!r) {
    if (!viewerOf(ctx).national) throw forbidden();
    return null;
  }
  assertMayRead(ctx, r);
  return manifestOf(ctx.db, r);
}

async function manifestOf(db: Db, r: RouteOfRound): Promise<RouteManifest> {
  const orders = await ordersWhere(db, 'o.id = ANY ($1::int[])', [r.stops.map((s) => s.orderId)]);
  const sent = await shipmentsWhere(db, 'sh.order_id = ANY ($1::int[])', [orders.map((o) => o.pk)], { order: 'sh.id' });
  const items = [...new Set(orders.flatMap((o) => o.lines.map((l) => l.supplyItemId)))];
  const lots = items.length ? await itemLots(db, r.warehouseId, items, false) : [];
  return buildManifest(r, new Map(orders.map((o) => [o.pk, o])), groupShipments(sent), lots, businessDay());
}

function groupShipments(sent: Shipment[]): Map<string, Shipment[]> {
  const byOrder = new Map<string, Shipment[]>();
  for (const sh of sent) byOrder.set(sh.orderNumber, [...(byOrder.get(sh.orderNumber) ?? []), sh]);
  return byOrder;
}

/**
 * Every route manifest of a round at once (export:manifests): the round's routes, orders, shipments and
 * its warehouses' lots each read in one statement, then each route planned on its own copy of its
 * warehouse's shelves, as routeManifest plans it alone. `routes` limits it to some route codes.
 */
export async function roundManifests(db: Db, roundNumber: string, routes?: string[] | null): Promise<RouteManifest[]> {
  const all: RouteOfRound[] = await db.query(
    `SELECT r.id AS "roundId", r.number AS "roundNumber", to_char(r.month, 'YYYY-MM') AS month, ro.id AS "routeId", ro.code AS "routeCode", ro.name AS "routeName",
            ro.carrier, ro.delivery_week AS "deliveryWeek", ro.kit_template_code AS "kitTemplateCode", we.id AS "warehouseId", we.clues AS "warehouseClues",
            json_agg(json_build_object('position', u.stop_position, 'clues', e.clues, 'name', e.name, 'locality', e.locality, 'kits', u.kits, 'orderId', u.order_id)
                     ORDER BY u.stop_position) AS stops
       FROM distribution_round r JOIN distribution_round_unit u ON u.round_id = r.id JOIN route ro ON ro.id = u.route_id
       JOIN supply_order o ON o.id = u.order_id JOIN establishment we ON we.id = o.supplying_id JOIN establishment e ON e.id = u.establishment_id
      WHERE r.number = $1 AND ($2::text[] IS NULL OR ro.code = ANY ($2))
      GROUP BY r.id, ro.id, we.id ORDER BY ro.code`,
    [roundNumber, routes?.length ? routes : null],
  );
  if (!all.length) return [];
  const orders = await roundOrders(db, all[0].roundId);
  const byId = new Map(orders.map((o) => [o.pk, o]));
  const shipments = groupShipments(await shipmentsWhere(db, 'o.distribution_round_id = $1', [all[0].roundId], { order: 'sh.id' }));
  const items = [...new Set(orders.flatMap((o) => o.lines.map((l) => l.supplyItemId)))];
  const shelves = new Map<number, LockedLot[]>();
  for (const warehouseId of new Set(all.map((r) => r.warehouseId))) shelves.set(warehouseId, await itemLots(db, warehouseId, items, false));
  const day = businessDay();
  return all.map((r) => buildManifest(r, byId, shipments, shelves.get(r.warehouseId)!, day));
}

/**
 * A round's orders with only what a manifest reads (number, status; per line the clave, approved and
 * dispatched pieces): a national round's 1.2 million lines in a quarter of the time of ordersWhere.
 */
async function roundOrders(db: Db, roundId: number): Promise<Order[]> {
  const heads: Array<{ pk: number; number: string; status: OrderStatus }> = await db.query(
    'SELECT id AS pk, number, status FROM supply_order WHERE distribution_round_id = $1',
    [roundId],
  );
  const lines: Array<{ order_id: number; supply_item_id: number; clave: string; approved: number | null; dispatched: number }> = await db.query(
    `SELECT l.order_id, l.supply_item_id, s.clave, l.approved, l.dispatched
       FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id JOIN supply_item s ON s.id = l.supply_item_id
      WHERE o.distribution_round_id = $1 ORDER BY l.order_id, s.clave`,
    [roundId],
  );
  const byOrder = new Map<number, OrderLine[]>();
  for (const l of lines) {
    const line = Object.assign(new OrderLine(), { supplyItemId: l.supply_item_id, clave: l.clave, approved: l.approved, dispatched: l.dispatched });
    const list = byOrder.get(l.order_id);
    if (list) list.push(line);
    else byOrder.set(l.order_id, [line]);
  }
  return heads.map((h) => Object.assign(new Order(), h, { lines: byOrder.get(h.pk) ?? [] }));
}

/** A route's manifest from what was read: `lots` is copied, each stop planned on what the stops before it left. */
function buildManifest(r: RouteOfRound, byId: Map<number, Order>, sentByOrder: Map<string, Shipment[]>, lots: readonly LockedLot[], day: string): RouteManifest {
  const shelf: LockedLot[] = lots.map((l) => ({ ...l }));
  const onHand = new Map(shelf.map((l) => [l.lotId, l.quantity]));
  const route = new Map<number, PickListLine>();
  const stops = r.stops.map((s): ManifestStop => {
    const order = byId.get(s.orderId)!;
    const open = order.status === OrderStatus.APPROVED || order.status === OrderStatus.PARTIALLY_FULFILLED;
    const plan = open ? planFromAvailable(order.lines, shelf, day) : { picks: [], leftBehind: [], anyPending: false };
    for (const p of plan.picks) {
      const lot = shelf.find((l) => l.lotId === p.lot.lotId)!;
      lot.quantity -= p.quantity; // the next stop picks from what is left
      const line = route.get(p.lot.lotId) ?? { ...pickList({ picks: [{ ...p, lot: { ...p.lot, quantity: onHand.get(p.lot.lotId)! } }], leftBehind: [], anyPending: true }, day).lines[0], quantity: 0 };
      line.quantity += p.quantity;
      route.set(p.lot.lotId, line);
    }
    const list = pickList({ ...plan, picks: plan.picks.map((p) => ({ ...p, lot: { ...p.lot, quantity: onHand.get(p.lot.lotId)! } })) }, day);
    return {
      position: s.position,
      clues: s.clues,
      name: s.name,
      locality: s.locality,
      kits: s.kits,
      orderNumber: order.number,
      status: order.status,
      shipments: (sentByOrder.get(order.number) ?? []).map((sh) => sh.number),
      shipped: (sentByOrder.get(order.number) ?? []).flatMap((sh) => sh.lines),
      approved: order.lines.reduce((sum, l) => sum + (l.approved ?? 0), 0),
      dispatched: order.lines.reduce((sum, l) => sum + l.dispatched, 0),
      picks: list.lines,
      leftBehind: list.leftBehind,
    };
  });
  const picks = [...route.values()].sort((a, b) => (a.clave === b.clave ? (a.expiresOn ?? '9999') .localeCompare(b.expiresOn ?? '9999') || a.lotNumber.localeCompare(b.lotNumber) : a.clave.localeCompare(b.clave)));
  return {
    roundNumber: r.roundNumber,
    month: r.month,
    routeCode: r.routeCode,
    routeName: r.routeName,
    carrier: r.carrier,
    warehouseClues: r.warehouseClues,
    kitTemplateCode: r.kitTemplateCode,
    deliveryWeek: r.deliveryWeek,
    deliverBy: deliveryWeekEnd(r.month, r.deliveryWeek),
    asOf: day,
    stops,
    picks,
  };
}

/** The manifest as a workbook: a sheet of stops (one row per stop and lot) and a sheet of the route's pick list. */
export async function routeManifestFile(ctx: Context, roundNumber: string, routeCode: string): Promise<ExportFile | null> {
  const m = await routeManifest(ctx, roundNumber, routeCode);
  return m ? manifestFile(m) : null;
}

/**
 * A manifest as a workbook: a sheet of stops (one row per stop and lot: what to load before the route
 * leaves, what went after) and a sheet of the route's pick list. Written with exceljs's streaming writer
 * (no shared strings, a bold header): a national round has a thousand of them to write.
 */
export async function manifestFile(m: RouteManifest): Promise<ExportFile> {
  const { content, rows } = await manifestWorkbook(m);
  return { filename: manifestFilename(m), mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', rows, contentBase64: content.toString('base64') };
}

export const manifestFilename = (m: RouteManifest) => `manifiesto-${m.roundNumber}-${m.routeCode}.xlsx`;

export async function manifestWorkbook(m: RouteManifest): Promise<{ content: Buffer; rows: number }> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: false, useSharedStrings: false });
  const bold = { font: { bold: true } };
  const stops = workbook.addWorksheet('Paradas');
  stops.columns = [7, 14, 36, 22, 6, 16, 17, 14, 12, 8, 28].map((width) => ({ width }));
  stops.addRow([`Manifiesto de la ruta ${m.routeCode} (${m.routeName}) · ronda ${m.roundNumber} · ${m.month} · sale de ${m.warehouseClues} · ${m.carrier} · entregar a más tardar el ${m.deliverBy}`].map(neutralizeCell)).commit();
  const header = stops.addRow(['Parada', 'CLUES', 'Unidad', 'Localidad', 'Kits', 'Orden', 'Clave', 'Lote', 'Caducidad', 'Piezas', 'Recibió (nombre y firma)']);
  header.font = bold.font;
  header.commit();
  let rows = 0;
  for (const s of m.stops) {
    // before the route leaves, what to load; after, what went (the manifest the driver carries either way)
    const lots: Array<{ clave: string; lotNumber: string; expiresOn: string | null; quantity: number } | null> = s.picks.length ? s.picks : s.shipped.length ? s.shipped : [null];
    for (const p of lots) {
      stops.addRow([s.position, s.clues, s.name, s.locality ?? '', s.kits, s.orderNumber, p?.clave ?? '', p?.lotNumber ?? '', p?.expiresOn ?? '', p?.quantity ?? 0, ''].map((c) => (typeof c === 'string' ? neutralizeCell(c) : c))).commit();
      rows++;
    }
  }
  stops.commit();
  const picks = workbook.addWorksheet('Surtido por lote');
  picks.columns = [17, 16, 12, 14, 12, 14].map((width) => ({ width }));
  const head = picks.addRow(['Clave', 'Lote', 'Caducidad', 'Piezas a surtir', 'En anaquel', 'Caduca en menos de 90 días']);
  head.font = bold.font;
  head.commit();
  for (const p of m.picks) picks.addRow([p.clave, neutralizeCell(p.lotNumber), p.expiresOn ?? '', p.quantity, p.onHand, p.expiresSoon ? 'Sí' : 'No']).commit();
  picks.commit();
  await workbook.commit();
  return { content: Buffer.concat(chunks), rows };
}

@InputType({ description: 'Dispatches a whole route of a round: each stop\'s order from what is available (FEFO), in stop order, in one transaction.' })
export class RouteDispatchInput {
  @Field()
  idempotencyKey: string;

  @Field({ description: 'DistributionRound.number.' })
  round: string;

  @Field({ description: 'Route.code.' })
  route: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the truck left; default now.' })
  dispatchedAt?: Date | null;
}

export const RouteDispatchSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  round: z.string().trim().min(1).max(40),
  route: codeField,
  dispatchedAt: businessInstant.optional().nullable(),
});

@ObjectType({ description: 'A stop routeDispatch sent nothing to, and why.' })
export class RouteStopSkipped {
  @Field()
  clues: string;

  @Field()
  orderNumber: string;

  @Field()
  code: string;

  @Field()
  message: string;
}

@ObjectType()
export class RouteDispatchPayload {
  @Field(() => [Shipment], { nullable: true, description: 'One shipment per stop that had something to send, in stop order.' })
  shipments: Shipment[] | null;

  @Field(() => [RouteStopSkipped], { nullable: true })
  skipped: RouteStopSkipped[] | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

/**
 * Dispatches a route: the route's orders in the round are locked (id order), then each stop's order is
 * dispatched from what is available, in stop order, as shipmentDispatch does (dispatchLocked). A stop
 * with nothing to send is skipped and said; a route with nothing to send at all is refused. Each shipment
 * claims a key derived from the route's. The route's warehouse's stock writers may do it.
 */
export function dispatchRoute(ctx: Context, raw: RouteDispatchInput): Promise<{ shipments: Shipment[]; skipped: RouteStopSkipped[] }> {
  return runMutation(
    ctx,
    {
      operation: 'routeDispatch',
      schema: RouteDispatchSchema,
      raw,
      idempotencyKey: (input) => input.idempotencyKey,
      locate: async (em, input, { viewer }) => {
        const r = await routeOfRound(em, input.round, input.route);
        if (!r) {
          if (!viewer.national) throw forbidden();
          fail('UNKNOWN_ROUTE', ['route'], `La ronda ${input.round} no tiene la ruta ${input.route}.`);
        }
        viewer.assertMayActAt(Roles.stockWriters, r.warehouseClues);
        await em.query('SELECT 1 FROM supply_order WHERE id = ANY ($1::int[]) ORDER BY id FOR UPDATE', [r.stops.map((s) => s.orderId)]);
        return r;
      },
    },
    async (em, input, meta, r) => {
      const orders = await ordersWhere(em, 'o.id = ANY ($1::int[])', [r.stops.map((s) => s.orderId)]);
      // every order's own supplier decides who may send it, as for shipmentDispatch
      if (orders.some((o) => !isDispatcher(meta.viewer, o))) throw forbidden();
      const byId = new Map<number, Order>(orders.map((o) => [o.pk, o]));
      const numbers: string[] = [];
      const skipped: RouteStopSkipped[] = [];
      for (const stop of r.stops) {
        const order = byId.get(stop.orderId)!;
        const key = `ruta:${codeOf(meta.idempotencyKey)}:${stop.clues}`;
        await em.query(
          `INSERT INTO idempotency_key (key, operation, subject, request_hash) VALUES ($1, 'routeDispatch', $2, $3)`,
          [key, meta.actor, codeOf(meta.idempotencyKey)],
        );
        // each stop in a savepoint: a stop refused part-way (the ledger refuses after its balance update,
        // a shipment is already written) leaves nothing behind, and the other stops still go
        await em.query('SAVEPOINT route_stop');
        try {
          numbers.push(await dispatchLocked(em, { ...meta, idempotencyKey: key }, order, { dispatchedAt: input.dispatchedAt ?? null }));
          await em.query('RELEASE SAVEPOINT route_stop');
        } catch (err) {
          if (!(err instanceof UserInputError)) throw err;
          await em.query('ROLLBACK TO SAVEPOINT route_stop');
          const mine = err.errors.map((e) => ({ clues: stop.clues, orderNumber: order.number, code: e.code, message: e.message }));
          skipped.push(...mine);
          // kept with the stop's key, so a replay answers the same
          await em.query('UPDATE idempotency_key SET outcome = $3 WHERE subject = $1 AND key = $2', [meta.actor, key, JSON.stringify(mine)]);
        }
      }
      if (!numbers.length) {
        fail('NOTHING_TO_DISPATCH', ['route'], `Ninguna parada de la ruta ${r.routeCode} tiene piezas que enviar: ${skipped.map((s) => `${s.clues}: ${s.message}`).join(' ')}`);
      }
      const shipments = await shipmentsWhere(em, 'sh.number = ANY ($1::text[])', [numbers], { order: 'sh.id' });
      return { shipments, skipped };
    },
    async (em, _input, meta, r) => {
      const stopKeys = `ruta:${codeOf(meta.idempotencyKey)}:%`;
      const shipments = await shipmentsWhere(em, 'sh.dispatched_by = $1 AND sh.idempotency_key LIKE $2', [meta.actor, stopKeys], { order: 'sh.id' });
      const rows: Array<{ outcome: RouteStopSkipped[] }> = await em.query(
        `SELECT outcome FROM idempotency_key WHERE subject = $1 AND key LIKE $2 AND operation = 'routeDispatch' AND outcome IS NOT NULL`,
        [meta.actor, stopKeys],
      );
      const stopOf = new Map(r.stops.map((s, i) => [s.clues, i]));
      const skipped = rows.flatMap((x) => x.outcome).sort((a, b) => stopOf.get(a.clues)! - stopOf.get(b.clues)!);
      return { shipments, skipped };
    },
  );
}
