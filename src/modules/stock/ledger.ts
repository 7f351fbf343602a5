import { EntityManager } from 'typeorm';
import { LotStock } from '../../domain/stock';
import { ErrorCode, UserError, userError, UserInputError } from '../../base/errors';
import { MovementKind } from './stock.types';
import { holdsOf, onHoldMessage, onHoldSql, refusedOnHold, stateOf } from './stock.holds';

/**
 * The one place stock changes. Every mutation that moves pieces builds drafts and hands them here:
 * balances change in the same transaction as the ledger rows are written, by set-based statements
 * that lock rows in one fixed order (location, lot) and decrement only where enough remains — the
 * CHECK (quantity >= 0) on stock_balance stands behind it. A movement dated in the past must also
 * leave the lot's running balance at or above zero at every moment from its date on: history never
 * goes negative either (the stock-out days of the CPM are read from it).
 */

/**
 * "When it is written": the database clock once the balances are locked, in whole milliseconds (what
 * a JavaScript Date and the movements' (occurredAt, id) cursors hold). SQL text for a movement, receipt
 * or shipment without a date of its own.
 */
export const WRITE_TIME = `date_trunc('milliseconds', clock_timestamp())`;

export interface MovementDraft {
  /** Input path of the line that asked for it, for the error if it cannot be applied. */
  field: Array<string | number>;
  establishmentId: number;
  supplyItemId: number;
  lotId: number;
  quantity: number;
  kind: MovementKind;
  reason?: string | null;
  note?: string | null;
  document?: string | null;
  receiptId?: number | null;
  /** Business time; null: when it is written (the database clock, once the balances are locked). */
  occurredAt: Date | null;
  reversesId?: string | null;
}

export interface LedgerMeta {
  actor: string;
  idempotencyKey: string;
}

export interface LockedLot extends LotStock {
  supplyItemId: number;
}

/** Locks the balances of these claves at a location (all lots) and returns them, lot-id order. */
export function lockItemLots(em: EntityManager, establishmentId: number, supplyItemIds: number[]): Promise<LockedLot[]> {
  return itemLots(em, establishmentId, supplyItemIds, true);
}

/**
 * The balances of these claves at a location (all lots), lot-id order; locked for a write, or read as
 * they stand for a plan shown before it (the pick list of a dispatch).
 */
export async function itemLots(em: Pick<EntityManager, 'query'>, establishmentId: number, supplyItemIds: number[], lock: boolean): Promise<LockedLot[]> {
  const rows: Array<{ lot_id: number; supply_item_id: number; lot_number: string; expires_on: string | null; quantity: number }> = await em.query(
    `SELECT b.lot_id, b.supply_item_id, l.lot_number, l.expires_on::text AS expires_on, b.quantity
       FROM stock_balance b JOIN lot l ON l.id = b.lot_id
      WHERE b.establishment_id = $1 AND b.supply_item_id = ANY($2::int[])
      ORDER BY b.lot_id${lock ? ' FOR UPDATE OF b' : ''}`,
    [establishmentId, supplyItemIds],
  );
  // which lots are on hold, read after the lock: a hold that committed while this waited is seen
  const held = await holdsOf(em, rows.map((r) => ({ establishmentId, lotId: r.lot_id })));
  return rows.map((r) => ({
    lotId: r.lot_id,
    supplyItemId: r.supply_item_id,
    lotNumber: r.lot_number,
    expiresOn: r.expires_on,
    quantity: r.quantity,
    heldBy: held.get(`${establishmentId}:${r.lot_id}`)?.reference ?? null,
  }));
}

/** Locks the balances of these lots at a location; returns lot id → pieces (0 for a lot never held there). */
export async function lockLots(em: EntityManager, establishmentId: number, lotIds: number[]): Promise<Map<number, number>> {
  const rows: Array<{ lot_id: number; quantity: number }> = await em.query(
    `SELECT lot_id, quantity FROM stock_balance WHERE establishment_id = $1 AND lot_id = ANY($2::int[]) ORDER BY lot_id FOR UPDATE`,
    [establishmentId, lotIds],
  );
  const found = new Map(rows.map((r) => [r.lot_id, r.quantity]));
  return new Map(lotIds.map((id) => [id, found.get(id) ?? 0]));
}

/**
 * Pieces of each lot at a location as of an instant: the current balance less what moved after it
 * (movements at that very instant count as before it). Call with the balances locked.
 */
export async function lotBalancesAsOf(em: EntityManager, establishmentId: number, lotIds: number[], at: Date | null): Promise<Map<number, number>> {
  const rows: Array<{ lot: number; quantity: string }> = await em.query(
    `SELECT l.lot, coalesce(b.quantity, 0) - coalesce((SELECT sum(m.quantity) FROM stock_movement m
                                                        WHERE m.establishment_id = $1 AND m.lot_id = l.lot
                                                          AND m.occurred_at > coalesce($3::timestamptz, ${WRITE_TIME})), 0) AS quantity
       FROM unnest($2::int[]) AS l(lot) LEFT JOIN stock_balance b ON b.establishment_id = $1 AND b.lot_id = l.lot`,
    [establishmentId, lotIds, at?.toISOString() ?? null],
  );
  return new Map(rows.map((r) => [r.lot, Number(r.quantity)]));
}

/** Applies the drafts to the balances and appends them to the ledger; returns the new movement ids. */
export async function writeMovements(em: EntityManager, meta: LedgerMeta, drafts: MovementDraft[]): Promise<string[]> {
  if (!drafts.length) return [];
  // Net change per balance, in lock order.
  const net = new Map<string, { establishmentId: number; lotId: number; supplyItemId: number; delta: number; field: Array<string | number> }>();
  for (const d of drafts) {
    const k = `${d.establishmentId}:${d.lotId}`;
    const entry = net.get(k) ?? { establishmentId: d.establishmentId, lotId: d.lotId, supplyItemId: d.supplyItemId, delta: 0, field: d.field };
    entry.delta += d.quantity;
    net.set(k, entry);
  }
  const changes = [...net.values()].sort((a, b) => a.establishmentId - b.establishmentId || a.lotId - b.lotId);
  // Net zero still gets its balance row: a lot received and used up in one go stays visible, at 0.
  const ins = changes.filter((c) => c.delta >= 0);
  const outs = changes.filter((c) => c.delta < 0);

  if (outs.length) {
    await em.query(
      `SELECT 1 FROM stock_balance b JOIN unnest($1::int[], $2::int[]) AS o(est, lot) ON b.establishment_id = o.est AND b.lot_id = o.lot
        ORDER BY b.establishment_id, b.lot_id FOR UPDATE OF b`,
      [outs.map((c) => c.establishmentId), outs.map((c) => c.lotId)],
    );
    // Taking held pieces out other than by a recall's return or destruction, an expiry write-off, a count
    // or a recorded damage, loss or theft (refusedOnHold) is refused here whatever path asked for it: this statement starts after the locks above, so it reads a hold that committed meanwhile.
    const uses = new Set(drafts.filter(refusedOnHold).map((d) => `${d.establishmentId}:${d.lotId}`));
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [updated]: [Array<{ establishment_id: number; lot_id: number }>, number] = await em.query(
      `UPDATE stock_balance b SET quantity = b.quantity + o.delta, updated_at = now()
         FROM unnest($1::int[], $2::int[], $3::int[], $4::boolean[]) AS o(est, lot, delta, use)
        WHERE b.establishment_id = o.est AND b.lot_id = o.lot AND b.quantity + o.delta >= 0
          AND NOT (o.use AND ${onHoldSql('b.lot_id', stateOf('b.establishment_id'))})
        RETURNING b.establishment_id, b.lot_id`,
      [outs.map((c) => c.establishmentId), outs.map((c) => c.lotId), outs.map((c) => c.delta), outs.map((c) => uses.has(`${c.establishmentId}:${c.lotId}`))],
    );
    if (updated.length !== outs.length) await refuseShortfalls(em, outs, updated, uses);
    await refuseNegativeHistory(em, drafts, outs);
  }
  // The ledger rows and the balances that grow are written by one statement, after everything else:
  // a balance row is locked from here to COMMIT only, so receipts at one lot queue for as little as
  // possible (the rows that shrink were locked and checked above).
  const ledgerParams = [
    drafts.map((d) => d.establishmentId),
    drafts.map((d) => d.supplyItemId),
    drafts.map((d) => d.lotId),
    drafts.map((d) => d.quantity),
    drafts.map((d) => d.kind),
    drafts.map((d) => d.reason ?? null),
    drafts.map((d) => d.note ?? null),
    drafts.map((d) => d.document ?? null),
    drafts.map((d) => d.receiptId ?? null),
    meta.actor,
    meta.idempotencyKey,
    drafts.map((d) => d.occurredAt?.toISOString() ?? null),
    drafts.map((d) => d.reversesId ?? null),
  ];
  const ledger = `
    INSERT INTO stock_movement (establishment_id, supply_item_id, lot_id, quantity, kind, reason, note, document, receipt_id,
                                occurred_at, actor, idempotency_key, reverses_id)
    SELECT est, item, lot, qty, kind, reason, note, document, receipt, coalesce(occurred, ${WRITE_TIME}), $10, $11, reverses
      FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[],
                  $12::timestamptz[], $13::bigint[]) WITH ORDINALITY
           AS m(est, item, lot, qty, kind, reason, note, document, receipt, occurred, reverses, ord)
     ORDER BY ord
    RETURNING id`;
  const rows: Array<{ id: string }> = ins.length
    ? await em.query(
        `WITH moved AS (${ledger}),
         grown AS (
           INSERT INTO stock_balance (establishment_id, lot_id, supply_item_id, quantity)
           SELECT est, lot, item, delta FROM unnest($14::int[], $15::int[], $16::int[], $17::int[]) AS i(est, lot, item, delta)
            ORDER BY est, lot
           ON CONFLICT (establishment_id, lot_id) DO UPDATE SET quantity = stock_balance.quantity + EXCLUDED.quantity, updated_at = now()
         )
         SELECT id::text FROM moved ORDER BY id`,
        [...ledgerParams, ins.map((c) => c.establishmentId), ins.map((c) => c.lotId), ins.map((c) => c.supplyItemId), ins.map((c) => c.delta)],
      )
    : await em.query(`WITH moved AS (${ledger}) SELECT id::text FROM moved ORDER BY id`, ledgerParams);
  return rows.map((r) => r.id);
}

/**
 * The lots this request takes pieces from, replayed from the earliest date it writes at: the balance
 * then, followed by every movement after it with this request's drafts in their place (after what is
 * already recorded at the same instant). The first moment the running balance would fall below zero
 * refuses the request — INSUFFICIENT_STOCK_AT_DATE, with that day and the pieces there were, for every
 * lot that would go below zero (each at its first such moment). Runs after
 * the present balance was checked and decremented (under its row lock), so only history is left to check.
 */
async function refuseNegativeHistory(
  em: EntityManager,
  drafts: MovementDraft[],
  outs: Array<{ establishmentId: number; lotId: number; delta: number }>,
): Promise<void> {
  const pairs = new Set(outs.map((c) => `${c.establishmentId}:${c.lotId}`));
  const mine = drafts.filter((d) => pairs.has(`${d.establishmentId}:${d.lotId}`));
  const firsts: Array<{ est: number; lot: number; lot_number: string; at: string; had: string; moved: string }> = await em.query(
    `WITH mine AS (
       SELECT est, lot, coalesce(at, ${WRITE_TIME}) AS at, qty, ord
         FROM unnest($1::int[], $2::int[], $3::timestamptz[], $4::int[]) WITH ORDINALITY AS d(est, lot, at, qty, ord)
     ), since AS (
       SELECT est, lot, min(at) AS at, sum(qty) AS mine FROM mine GROUP BY est, lot
     ), later AS (
       -- what is recorded after the earliest date, from the (location, lot, time) index: for a movement
       -- dated now there is nothing
       SELECT m.establishment_id AS est, m.lot_id AS lot, m.occurred_at AS at, m.id, m.quantity
         FROM since s JOIN stock_movement m ON m.establishment_id = s.est AND m.lot_id = s.lot AND m.occurred_at > s.at
     ), start AS (
       -- the balance at the earliest date: now (already less this request) less this request, less what came after
       SELECT s.est, s.lot, s.at, b.quantity - s.mine - coalesce((SELECT sum(quantity) FROM later l WHERE l.est = s.est AND l.lot = s.lot), 0) AS qty
         FROM since s JOIN stock_balance b ON b.establishment_id = s.est AND b.lot_id = s.lot
     ), timeline AS (
       SELECT est, lot, at, 0::numeric AS seq, qty, 0 AS moved FROM start
       UNION ALL
       SELECT est, lot, at, id::numeric, quantity, 0 FROM later
       UNION ALL
       SELECT est, lot, at, 1e19 + ord, qty, qty FROM mine
     ), running AS (
       SELECT est, lot, at, seq, sum(qty) OVER w AS balance, sum(moved) OVER w AS moved
         FROM timeline WINDOW w AS (PARTITION BY est, lot ORDER BY at, seq)
     )
     SELECT DISTINCT ON (r.est, r.lot) r.est, r.lot, l.lot_number, to_char(r.at AT TIME ZONE 'America/Mexico_City', 'YYYY-MM-DD') AS at,
            r.balance - r.moved AS had, -r.moved AS moved
       FROM running r JOIN lot l ON l.id = r.lot
      WHERE r.balance < 0 AND r.moved < 0
      ORDER BY r.est, r.lot, r.at, r.seq`,
    [
      mine.map((d) => d.establishmentId),
      mine.map((d) => d.lotId),
      mine.map((d) => d.occurredAt?.toISOString() ?? null),
      mine.map((d) => d.quantity),
    ],
  );
  if (!firsts.length) return;
  // Every lot that would go negative, each at its first such moment: all of a request's problems at once.
  throw new UserInputError(
    firsts.map((first) =>
      userError(
        ErrorCode.INSUFFICIENT_STOCK_AT_DATE,
        mine.find((d) => d.establishmentId === first.est && d.lotId === first.lot)!.field,
        `La existencia del lote ${first.lot_number} quedaría negativa el ${first.at}: ese día había ${first.had} piezas y con esta fecha se retiran ${first.moved}. Revise la fecha del movimiento.`,
      ),
    ),
  );
}

async function refuseShortfalls(
  em: EntityManager,
  outs: Array<{ establishmentId: number; lotId: number; delta: number; field: Array<string | number> }>,
  updated: Array<{ establishment_id: number; lot_id: number }>,
  uses: ReadonlySet<string>,
): Promise<never> {
  const done = new Set(updated.map((u) => `${u.establishment_id}:${u.lot_id}`));
  const refused = outs.filter((c) => !done.has(`${c.establishmentId}:${c.lotId}`));
  const held = await holdsOf(em, refused.filter((c) => uses.has(`${c.establishmentId}:${c.lotId}`)));
  const onHold = refused.filter((c) => held.has(`${c.establishmentId}:${c.lotId}`));
  const heldErrors = onHold.map((c) => {
    const h = held.get(`${c.establishmentId}:${c.lotId}`)!;
    return userError('LOT_ON_HOLD', c.field, onHoldMessage(h.lotNumber, h.reference));
  });
  // every problem at once: the held lots, and the lots short of pieces
  const short = refused.filter((c) => !held.has(`${c.establishmentId}:${c.lotId}`));
  const have: Array<{ establishment_id: number; lot_id: number; quantity: number; lot_number: string }> = await em.query(
    `SELECT b.establishment_id, b.lot_id, b.quantity, l.lot_number FROM stock_balance b JOIN lot l ON l.id = b.lot_id
      WHERE (b.establishment_id, b.lot_id) IN (SELECT * FROM unnest($1::int[], $2::int[]))`,
    [short.map((c) => c.establishmentId), short.map((c) => c.lotId)],
  );
  const errors: UserError[] = short.map((c) => {
    const h = have.find((x) => x.establishment_id === c.establishmentId && x.lot_id === c.lotId);
    return userError(
      ErrorCode.INSUFFICIENT_STOCK,
      c.field,
      `Existencia insuficiente${h ? ` en el lote ${h.lot_number}` : ''}: hay ${h?.quantity ?? 0} piezas y se piden ${-c.delta}.`,
    );
  });
  throw new UserInputError([...heldErrors, ...errors]);
}
