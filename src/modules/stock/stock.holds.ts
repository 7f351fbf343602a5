import { z } from 'zod';
import { EntityManager } from 'typeorm';
import type { Viewer } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { ErrorCode, fail, forbidden } from '../../base/errors';
import { claveField, idempotencyKeyField, lotNumberField, stateCodeField, text } from '../../base/validation';
import { runMutation } from '../../db/mutation';
import { Role } from '../../domain/enums';
import { HeldLot, LotHold, LotHolder, LotHoldReleaseInput, LotHoldSetInput, LotRecallNotice } from './stock.holds.types';

type Db = Pick<EntityManager, 'query'>;

/**
 * Lot holds (issue 21): THE definition of "held". A balance of lot `lot` at a location of state `state`
 * (SQL expressions; `state` is only evaluated for a lot under a state hold) is held when an open
 * hold of the lot reaches it — one for the whole network, or one for that state. Every arm is an
 * uncorrelated set PostgreSQL computes once per statement: with no open hold at all (the usual day) the
 * first is false and nothing else is read; otherwise each row costs two hash probes. Held pieces are on
 * hand but not usable: not counted as usable, skipped by FEFO, refused when a dispatch, a consumption or a
 * dispensing names them (LOT_ON_HOLD), and refused by the ledger itself (ledger.ts) for those movements
 * whatever path asked for them.
 */
export function onHoldSql(lot: string, state: string): string {
  return `(EXISTS (SELECT 1 FROM lot_hold WHERE released_at IS NULL)
           AND (${lot} IN (SELECT lot_id FROM lot_hold WHERE released_at IS NULL AND state_code IS NULL)
                OR (${lot} IN (SELECT lot_id FROM lot_hold WHERE released_at IS NULL AND state_code IS NOT NULL)
                    AND (${lot}, ${state}) IN (SELECT lot_id, state_code FROM lot_hold WHERE released_at IS NULL AND state_code IS NOT NULL))))`;
}

/** The state of establishment `id` (SQL), for onHoldSql where the statement has no establishment row at hand. */
export const stateOf = (id: string) => `(SELECT st.state_code FROM establishment st WHERE st.id = ${id})`;

/** Movements that put held pieces to use, refused on a held lot. */
export const USES = ['DISPATCH', 'DISPENSE', 'CONSUMPTION'] as const;

/** Adjustment reasons that cannot take held pieces out: they would make them usable again elsewhere, or leave no recall trail. */
const NOT_FOR_HELD = new Set(['RECLASSIFICATION', 'OTHER']);

/**
 * Whether a movement may not take pieces out of a held balance: a use (USES), a reversal that takes
 * pieces out (of a receipt or a transfer in), or an adjustment by reclassification or "other". Held
 * pieces leave only by a recall's return or destruction (RECALL_RETURN, RECALL_DESTRUCTION), an expiry
 * write-off, a physical count, or a recorded damage, loss or theft.
 */
export function refusedOnHold(d: { kind: string; quantity: number; reason?: string | null }): boolean {
  if (d.quantity >= 0) return false;
  return (USES as readonly string[]).includes(d.kind) || d.kind === 'REVERSAL' || (d.kind === 'ADJUSTMENT' && NOT_FOR_HELD.has(d.reason ?? 'OTHER'));
}

/** The open holds reaching some balances (location, lot), with what the refusal says. */
export async function holdsOf(db: Db, pairs: ReadonlyArray<{ establishmentId: number; lotId: number }>): Promise<Map<string, { reference: string; lotNumber: string }>> {
  if (!pairs.length) return new Map();
  const rows: Array<{ est: number; lot: number; reference: string; lot_number: string }> = await db.query(
    `SELECT DISTINCT ON (p.est, p.lot) p.est, p.lot, h.reference, l.lot_number
       FROM unnest($1::int[], $2::int[]) AS p(est, lot) JOIN establishment e ON e.id = p.est JOIN lot l ON l.id = p.lot
       JOIN lot_hold h ON h.lot_id = p.lot AND h.released_at IS NULL AND (h.state_code IS NULL OR h.state_code = e.state_code)
      ORDER BY p.est, p.lot, h.state_code NULLS FIRST`,
    [pairs.map((p) => p.establishmentId), pairs.map((p) => p.lotId)],
  );
  return new Map(rows.map((r) => [`${r.est}:${r.lot}`, { reference: r.reference, lotNumber: r.lot_number }]));
}

/** The refusal of a use of held pieces, in Spanish, with the alert's reference. */
export const onHoldMessage = (lotNumber: string, reference: string) =>
  `El lote ${lotNumber} está retenido por la alerta sanitaria ${reference}: no puede surtirse, dispensarse ni consumirse; sale solo por devolución al proveedor o destrucción.`;

const HOLDERS = [Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR] as const;

const holdFields = {
  idempotencyKey: idempotencyKeyField,
  clave: claveField,
  lotNumber: lotNumberField,
  stateCode: stateCodeField.nullish(),
};
export const LotHoldSetSchema = z.object({ ...holdFields, reason: text(500), reference: text(100) });
export const LotHoldReleaseSchema = z.object({ ...holdFields, reason: text(500) });

/** The lot of a clave, locked: UNKNOWN_CLAVE, UNKNOWN_LOT, or LOT_OF_OTHER_CLAVE when the number is another clave's. */
async function lockLot(em: EntityManager, clave: string, lotNumber: string): Promise<{ id: number; supplyItemId: number }> {
  const [item] = await em.query('SELECT id FROM supply_item WHERE clave = $1', [clave]);
  if (!item) fail(ErrorCode.UNKNOWN_CLAVE, ['clave'], `No existe la clave ${clave} en el catálogo.`);
  // holds of one lot one at a time; NO KEY UPDATE, not UPDATE: a movement's foreign key to the lot (KEY SHARE) must not wait for it
  const [lot] = await em.query('SELECT id FROM lot WHERE supply_item_id = $1 AND lot_number = $2 FOR NO KEY UPDATE', [item.id, lotNumber]);
  if (lot) return { id: lot.id, supplyItemId: item.id };
  const others: Array<{ clave: string }> = await em.query(
    'SELECT s.clave FROM lot l JOIN supply_item s ON s.id = l.supply_item_id WHERE l.lot_number = $1 ORDER BY s.clave LIMIT 5',
    [lotNumber],
  );
  if (others.length) {
    fail('LOT_OF_OTHER_CLAVE', ['lotNumber'], `El lote ${lotNumber} no es de la clave ${clave}: es de ${others.map((o) => o.clave).join(', ')}. Revise la clave de la alerta.`);
  }
  fail(ErrorCode.UNKNOWN_LOT, ['lotNumber'], `El lote ${lotNumber} de la clave ${clave} no ha entrado nunca a la red.`);
}

/** The reach of a hold the caller asks for: a coordinator its state (another state is FORBIDDEN); central the network or the state named. */
function reachOf(v: Viewer, stateCode: string | null | undefined): string | null {
  if (v.role === Role.STATE_COORDINATOR) {
    if (stateCode && stateCode !== v.stateCode) throw forbidden();
    return v.stateCode;
  }
  return stateCode ?? null;
}

const reachName = (state: string | null) => (state ? `la entidad ${state}` : 'toda la red');

/**
 * Holds a lot (lotHoldSet): from the moment it commits no held piece is dispatched, consumed or dispensed
 * anywhere it reaches. It takes every balance of the lot in its reach under lock first, so a use of the lot
 * already under way finishes before it, and every later one reads the hold (ledger.ts, stock.lots.ts).
 */
export function setHold(ctx: Context, raw: LotHoldSetInput): Promise<LotHold> {
  return runMutation(
    ctx,
    { operation: 'lotHoldSet', schema: LotHoldSetSchema, raw, scope: { roles: HOLDERS }, idempotencyKey: (i) => i.idempotencyKey },
    async (em, input, meta) => {
      const state = reachOf(meta.viewer, input.stateCode);
      const lot = await lockLot(em, input.clave, input.lotNumber);
      const [open] = await em.query(
        `SELECT state_code, reference FROM lot_hold WHERE lot_id = $1 AND released_at IS NULL AND (state_code IS NULL OR $2::char(2) IS NULL OR state_code = $2) ORDER BY state_code NULLS FIRST LIMIT 1`,
        [lot.id, state],
      );
      if (open && (open.state_code === null || open.state_code === state)) {
        fail('ALREADY_HELD', ['lotNumber'], `El lote ${input.lotNumber} ya está retenido en ${reachName(open.state_code)} por la alerta ${open.reference}.`);
      }
      // every balance of the lot in reach, in the ledger's lock order: uses under way finish first
      await em.query(
        `SELECT 1 FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id
          WHERE b.lot_id = $1 AND ($2::char(2) IS NULL OR e.state_code = $2)
          ORDER BY b.establishment_id, b.lot_id FOR UPDATE OF b`,
        [lot.id, state],
      );
      const [{ id }] = await em.query(
        `INSERT INTO lot_hold (lot_id, state_code, reason, reference, held_by, idempotency_key, ledger_mark)
         VALUES ($1, $2, $3, $4, $5, $6, coalesce((SELECT max(id) FROM stock_movement WHERE lot_id = $1), 0)) RETURNING id`,
        [lot.id, state, input.reason, input.reference, meta.actor, input.idempotencyKey],
      );
      return (await holdsById(em, [id]))[0];
    },
    async (em, _input, meta) => {
      const [row] = await em.query('SELECT id FROM lot_hold WHERE held_by = $1 AND idempotency_key = $2', [meta.actor, meta.idempotencyKey]);
      return (await holdsById(em, [row.id]))[0];
    },
  );
}

/** Releases the open hold of the caller's reach (lotHoldRelease): the lot is usable again there, the hold kept with its release. */
export function releaseHold(ctx: Context, raw: LotHoldReleaseInput): Promise<LotHold> {
  return runMutation(
    ctx,
    { operation: 'lotHoldRelease', schema: LotHoldReleaseSchema, raw, scope: { roles: HOLDERS }, idempotencyKey: (i) => i.idempotencyKey },
    async (em, input, meta) => {
      const state = reachOf(meta.viewer, input.stateCode);
      const lot = await lockLot(em, input.clave, input.lotNumber);
      const [row] = await em.query(
        `UPDATE lot_hold SET released_at = now(), released_by = $3, release_reason = $4, release_key = $5
          WHERE lot_id = $1 AND released_at IS NULL AND state_code IS NOT DISTINCT FROM $2::char(2) RETURNING id`,
        [lot.id, state, meta.actor, input.reason, input.idempotencyKey],
      );
      const released: Array<{ id: number }> = row;
      if (!released.length) fail('NOT_HELD', ['lotNumber'], `El lote ${input.lotNumber} de la clave ${input.clave} no está retenido en ${reachName(state)}: no hay retención que liberar.`);
      return (await holdsById(em, [released[0].id]))[0];
    },
    async (em, _input, meta) => {
      const [row] = await em.query('SELECT id FROM lot_hold WHERE released_by = $1 AND release_key = $2', [meta.actor, meta.idempotencyKey]);
      return (await holdsById(em, [row.id]))[0];
    },
  );
}

const HOLD_SELECT = `
  SELECT h.id, s.clave, l.lot_number AS "lotNumber", l.expires_on::text AS "expiresOn", h.lot_id AS "lotId", h.state_code AS "stateCode",
         h.reason, h.reference, h.held_at AS "heldAt", h.held_by AS "heldBy", h.ledger_mark::text AS "ledgerMark",
         h.released_at AS "releasedAt", h.released_by AS "releasedBy", h.release_reason AS "releaseReason"
    FROM lot_hold h JOIN lot l ON l.id = h.lot_id JOIN supply_item s ON s.id = l.supply_item_id`;

const toHold = (r: Record<string, unknown>) => Object.assign(new LotHold(), r);

export async function holdsById(db: Db, ids: readonly number[]): Promise<LotHold[]> {
  const rows = await db.query(`${HOLD_SELECT} WHERE h.id = ANY ($1::int[]) ORDER BY h.id`, [ids]);
  return rows.map(toHold);
}

/**
 * Holds a viewer sees, newest first: national roles every one; a coordinator those reaching its state;
 * a warehouse or unit those reaching it. Open ones only unless `all`; of one clave or lot when named.
 */
export async function holdsFor(ctx: Context, args: { all?: boolean | null; clave?: string | null; lotNumber?: string | null }): Promise<LotHold[]> {
  const v = viewerOf(ctx);
  const state = v.national ? null : v.stateCode ?? (await ctx.db.query('SELECT state_code FROM establishment WHERE clues = $1', [v.clues]))[0]?.state_code ?? '--';
  const rows = await ctx.db.query(
    `${HOLD_SELECT}
      WHERE ($1 OR h.released_at IS NULL) AND ($2::text IS NULL OR s.clave = $2) AND ($3::text IS NULL OR l.lot_number = $3)
        AND ($4::char(2) IS NULL OR h.state_code IS NULL OR h.state_code = $4)
      ORDER BY h.held_at DESC, h.id DESC LIMIT 500`,
    [!!args.all, args.clave?.trim() || null, args.lotNumber?.normalize('NFKC').trim() || null, state],
  );
  return rows.map(toHold);
}

/**
 * Who must act on holds: the locations still holding pieces of each hold's lot in its reach, and what is
 * on the road to them, in the viewer's scope (a coordinator its state's; a warehouse or unit itself).
 * Per hold, most pieces first.
 */
export async function holdersOf(db: Db, holds: ReadonlyArray<{ id: number }>, v: Viewer): Promise<Map<number, LotHolder[]>> {
  const rows: Array<LotHolder & { holdId: number }> = await db.query(
    `WITH h AS (SELECT id, lot_id, state_code FROM lot_hold WHERE id = ANY ($1::int[]))
     SELECT h.id AS "holdId", e.clues, e.name, e.state_code AS "stateCode", x.on_hand::int AS "onHand", x.in_transit::int AS "inTransit"
       FROM h CROSS JOIN LATERAL (
              SELECT establishment_id, sum(on_hand) AS on_hand, sum(in_transit) AS in_transit FROM (
                SELECT b.establishment_id, b.quantity AS on_hand, 0 AS in_transit FROM stock_balance b WHERE b.lot_id = h.lot_id AND b.quantity > 0
                UNION ALL
                SELECT o.requesting_id, 0, sl.quantity FROM shipment_line sl JOIN shipment sh ON sh.id = sl.shipment_id JOIN supply_order o ON o.id = sh.order_id
                 WHERE sl.lot_id = h.lot_id AND sh.status = 'IN_TRANSIT'
              ) p GROUP BY establishment_id
            ) x
       JOIN establishment e ON e.id = x.establishment_id
      WHERE (h.state_code IS NULL OR e.state_code = h.state_code)
        AND ($2 OR e.state_code = $3 OR e.clues = $4)
      ORDER BY h.id, x.on_hand + x.in_transit DESC, e.clues`,
    [holds.map((h) => h.id), v.national, v.stateCode, v.clues],
  );
  const out = new Map<number, LotHolder[]>();
  for (const { holdId, ...r } of rows) {
    const list = out.get(holdId) ?? [];
    list.push(Object.assign(new LotHolder(), r));
    out.set(holdId, list);
  }
  return out;
}

/** The held lots at one location with their pieces and why (the stock page shows them first). */
export async function heldLotsAt(db: Db, establishmentId: number): Promise<HeldLot[]> {
  const rows = await db.query(
    `SELECT DISTINCT ON (b.lot_id) s.clave, s.description, l.lot_number AS "lotNumber", l.expires_on::text AS "expiresOn", b.quantity AS pieces,
            h.reference, h.reason, h.held_at AS "heldAt", h.state_code AS "stateCode"
       FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id JOIN lot l ON l.id = b.lot_id JOIN supply_item s ON s.id = b.supply_item_id
       JOIN lot_hold h ON h.lot_id = b.lot_id AND h.released_at IS NULL AND (h.state_code IS NULL OR h.state_code = e.state_code)
      WHERE b.establishment_id = $1 AND b.quantity > 0
      ORDER BY b.lot_id, h.state_code NULLS FIRST`,
    [establishmentId],
  );
  return rows.map((r: Record<string, unknown>) => Object.assign(new HeldLot(), r)).sort((a: HeldLot, b: HeldLot) => (a.clave < b.clave ? -1 : a.clave > b.clave ? 1 : a.lotNumber < b.lotNumber ? -1 : 1));
}

/** Per shipment, its lots on hold where it goes (the receiving unit's state or the network). */
export async function shipmentRecalls(db: Db, shipmentIds: readonly number[]): Promise<Map<number, LotRecallNotice[]>> {
  const rows: Array<LotRecallNotice & { shipment: number }> = await db.query(
    `SELECT DISTINCT ON (sh.id, sl.lot_id) sh.id AS shipment, s.clave, l.lot_number AS "lotNumber", sl.quantity, h.reference, h.reason
       FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN establishment e ON e.id = o.requesting_id
       JOIN shipment_line sl ON sl.shipment_id = sh.id JOIN lot l ON l.id = sl.lot_id JOIN supply_item s ON s.id = sl.supply_item_id
       JOIN lot_hold h ON h.lot_id = sl.lot_id AND h.released_at IS NULL AND (h.state_code IS NULL OR h.state_code = e.state_code)
      WHERE sh.id = ANY ($1::int[])
      ORDER BY sh.id, sl.lot_id, h.state_code NULLS FIRST`,
    [shipmentIds],
  );
  const out = new Map<number, LotRecallNotice[]>();
  for (const { shipment, ...r } of rows) out.set(shipment, [...(out.get(shipment) ?? []), Object.assign(new LotRecallNotice(), r)]);
  return out;
}
