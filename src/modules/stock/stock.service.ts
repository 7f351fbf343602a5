import { EntityManager } from 'typeorm';
import { z } from 'zod';
import { keyClaimedAt } from '../../db/idempotency';
import { runMutation } from '../../db/mutation';
import { businessDay } from '../../domain/dates';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { ErrorCode, fail, gather, throwIfAny, UserError, userError, UserInputError } from '../../base/errors';
import { backdatedWarning, lotExpiresSoonWarning, UserWarning } from '../../base/warnings';
import { purchaseReceipts } from './purchase-receipts';
import { requireEstablishment } from '../registry/registry.queries';
import { LedgerMeta, lockLots, lotBalancesAsOf, MovementDraft, WRITE_TIME, writeMovements } from './ledger';
import {
  StockAdjustInput,
  StockAdjustSchema,
  StockConsumeInput,
  StockConsumeSchema,
  StockCountInput,
  StockCountSchema,
  StockReceiveInput,
  StockReceiveSchema,
} from './stock.inputs';
import { duplicateLines, findLots, knownLot, lotKey, resolveClaves, takeOut, unknownClave } from './stock.lots';
import { movementsByKey, receiptById } from './stock.queries';
import { AdjustmentReason, MovementKind, Receipt, StockMovement } from './stock.types';
import { holdsOf } from './stock.holds';

const RECALL_REASONS: ReadonlySet<string> = new Set([AdjustmentReason.RECALL_RETURN, AdjustmentReason.RECALL_DESTRUCTION]);

/**
 * What a stock mutation wrote, read after its transaction committed and only if the response asks
 * for it: the balances the mutation locked are released at COMMIT, not after the payload is read.
 */
export interface Written {
  movements(): Promise<StockMovement[]>;
  receipt(): Promise<Receipt | null>;
  /** What is worth knowing about the input (src/base/warnings.ts), computed in the transaction. */
  warnings: UserWarning[];
}

export function written(ctx: Context, idempotencyKey: string, receiptId: number | undefined, warnings: UserWarning[] = []): Written {
  const actor = viewerOf(ctx).subject;
  let movements: Promise<StockMovement[]> | undefined;
  let receipt: Promise<Receipt | null> | undefined;
  return {
    movements: () => (movements ??= movementsByKey(ctx.db, actor, idempotencyKey)),
    receipt: () => (receipt ??= receiptId ? receiptById(ctx.db, receiptId) : Promise.resolve(null)),
    warnings,
  };
}

/**
 * `runMutation` as every stock mutation at one CLUES uses it: a stock writer at that CLUES, the
 * location found in the transaction (UNKNOWN_CLUES), the idempotency key claimed; a replay answers
 * with what the first request wrote (read after commit, as for a fresh one) and the same warnings
 * (`warn`, from the input and the moment the first request was recorded).
 */
export async function stockMutation<S extends z.ZodType<{ idempotencyKey: string; clues: string }, z.ZodTypeDef, unknown>>(
  ctx: Context,
  operation: string,
  schema: S,
  raw: object,
  work: (em: EntityManager, input: z.output<S>, establishmentId: number, meta: LedgerMeta) => Promise<{ receiptId?: number }>,
  warn: (input: z.output<S>, recordedAt: Date) => UserWarning[] = () => [],
): Promise<Written> {
  const { key, receiptId, warnings } = await runMutation(
    ctx,
    {
      operation,
      schema,
      raw,
      scope: (input) => ({ roles: Roles.stockWriters, clues: input.clues }),
      idempotencyKey: (input) => input.idempotencyKey,
      locate: async (em, input) => (await requireEstablishment(em, input.clues)).id,
    },
    async (em, input, meta, establishmentId) => ({
      key: meta.idempotencyKey,
      receiptId: (await work(em, input, establishmentId, meta)).receiptId,
      // the moment the key was claimed, as a replay reads it (never the app's clock)
      warnings: warn(input, await keyClaimedAt(em, meta.actor, meta.idempotencyKey)),
    }),
    async (em, input, meta) => {
      const [r] = await em.query('SELECT id FROM receipt WHERE actor = $1 AND idempotency_key = $2', [meta.actor, meta.idempotencyKey]);
      return { key: meta.idempotencyKey, receiptId: r?.id as number | undefined, warnings: warn(input, await keyClaimedAt(em, meta.actor, meta.idempotencyKey)) };
    },
  );
  return written(ctx, key, receiptId, warnings);
}

// ---------------------------------------------------------------------------------------------
// stockReceive

export async function receive(ctx: Context, raw: StockReceiveInput): Promise<Written> {
  return stockMutation(ctx, 'stockReceive', StockReceiveSchema, raw, async (em, input, establishmentId, meta) => {
    const errors: UserError[] = [];
    duplicateLines(input.lines, (l) => `${l.clave}|${l.lotNumber}`, errors);
    const day = businessDay(input.receivedAt ?? undefined);
    input.lines.forEach((l, i) => {
      // A lot already expired may arrive only to be rejected, never into stock.
      if (l.acceptedQuantity > 0 && l.expiresOn && l.expiresOn < day) {
        errors.push(userError(ErrorCode.LOT_EXPIRED, ['lines', i, 'expiresOn'], `El lote ${l.lotNumber} caducó el ${l.expiresOn}: no puede entrar al inventario.`));
      }
    });
    // Every line is checked before anything is refused: the clerk gets all of a receipt's problems in
    // one answer (the transaction rolls back whatever the checks below registered).

    // One statement finds each line's clave, registers the lots seen for the first time and returns
    // every line's lot (the ones just inserted come from RETURNING: the SELECT cannot see them yet).
    const found: Array<{ ord: number; item: number | null; lot: number | null; expires_on: string | null }> = await em.query(
      `WITH line AS (
         SELECT l.ord, l.lot_number, l.expires_on, s.id AS item
           FROM unnest($1::text[], $2::text[], $3::date[]) WITH ORDINALITY AS l(clave, lot_number, expires_on, ord)
           LEFT JOIN supply_item s ON s.clave = l.clave
       ),
       added AS (
         INSERT INTO lot (supply_item_id, lot_number, expires_on)
         SELECT item, lot_number, expires_on FROM line WHERE item IS NOT NULL ORDER BY item, lot_number
         ON CONFLICT (supply_item_id, lot_number) DO NOTHING
         RETURNING id, supply_item_id, lot_number, expires_on
       )
       SELECT line.ord, line.item, coalesce(a.id, l.id) AS lot, coalesce(a.expires_on, l.expires_on)::text AS expires_on
         FROM line
         LEFT JOIN added a ON a.supply_item_id = line.item AND a.lot_number = line.lot_number
         LEFT JOIN lot l ON l.supply_item_id = line.item AND l.lot_number = line.lot_number
        ORDER BY line.ord`,
      [input.lines.map((l) => l.clave), input.lines.map((l) => l.lotNumber), input.lines.map((l) => l.expiresOn ?? null)],
    );
    // A lot that another receipt registered while this statement ran: ON CONFLICT waited for that
    // commit and skipped the row, but the statement's snapshot predates it. A new statement sees it.
    const unseen = found.filter((f) => f.item !== null && f.lot === null);
    if (unseen.length) {
      const again: Array<{ ord: string; lot: number; expires_on: string | null }> = await em.query(
        `SELECT u.ord, l.id AS lot, l.expires_on::text AS expires_on
           FROM unnest($1::bigint[], $2::int[], $3::text[]) AS u(ord, item, lot_number)
           JOIN lot l ON l.supply_item_id = u.item AND l.lot_number = u.lot_number`,
        [unseen.map((f) => f.ord), unseen.map((f) => f.item), unseen.map((f) => input.lines[Number(f.ord) - 1].lotNumber)],
      );
      for (const a of again) Object.assign(found[Number(a.ord) - 1], { lot: a.lot, expires_on: a.expires_on });
    }
    // a lot named on two lines is DUPLICATE_LINE already: the statement above registered one of them, and
    // comparing the other's expiry with it would report a lot "already registered" that is not
    const key = (l: { clave: string; lotNumber: string }) => `${l.clave}|${l.lotNumber}`;
    const repeated = new Set(input.lines.map(key).filter((k, i, all) => all.indexOf(k) !== i));
    input.lines.forEach((l, i) => {
      const f = found[i];
      if (f.item === null) errors.push(unknownClave(i, l.clave));
      else if (!repeated.has(key(l)) && f.expires_on !== (l.expiresOn ?? null)) {
        errors.push(
          userError(ErrorCode.LOT_EXPIRY_MISMATCH, ['lines', i, 'expiresOn'], `El lote ${l.lotNumber} ya está registrado con caducidad ${f.expires_on ?? 'sin caducidad'}.`),
        );
      }
    });
    const lines = input.lines.map((l, i) => ({ ...l, index: i, supplyItemId: found[i].item!, lotId: found[i].lot! }));

    // A supplier's delivery against a purchase order counts on that order (never beyond what was approved);
    // its problems join the lines' (the lines with a known clave are checked against the order).
    const orderNumber = input.orderNumber;
    const orderId = orderNumber
      ? ((await gather(errors, () => purchaseReceipts().apply(em, orderNumber, establishmentId, lines.filter((l) => found[l.index].item !== null)))) ?? null)
      : null;
    throwIfAny(errors);
    const [receipt] = await em.query(
      `WITH receipt AS (
         INSERT INTO receipt (establishment_id, source, supplier_document, order_number, order_id, received_at, actor, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, ${WRITE_TIME}), $7, $8) RETURNING id
       ), receipt_lines AS (
         INSERT INTO receipt_line (receipt_id, line, lot_id, accepted, rejected, rejection_reason)
         SELECT receipt.id, x.* FROM receipt, unnest($9::smallint[], $10::int[], $11::int[], $12::int[], $13::text[]) AS x
       )
       SELECT id FROM receipt`,
      [
        establishmentId,
        input.source,
        input.supplierDocument ?? null,
        input.orderNumber ?? null,
        orderId,
        input.receivedAt?.toISOString() ?? null,
        meta.actor,
        meta.idempotencyKey,
        lines.map((_, i) => i + 1),
        lines.map((l) => l.lotId),
        lines.map((l) => l.acceptedQuantity),
        lines.map((l) => l.rejectedQuantity),
        lines.map((l) => l.rejectionReason ?? null),
      ],
    );
    if (orderId) await purchaseReceipts().after(em, orderId);
    await writeMovements(
      em,
      meta,
      lines
        .map((l, i): MovementDraft => ({
          field: ['lines', i],
          establishmentId,
          supplyItemId: l.supplyItemId,
          lotId: l.lotId,
          quantity: l.acceptedQuantity,
          kind: MovementKind.RECEIPT,
          reason: input.source,
          document: input.supplierDocument ?? input.orderNumber ?? null,
          receiptId: receipt.id,
          occurredAt: input.receivedAt,
        }))
        .filter((d) => d.quantity > 0),
    );
    return { receiptId: receipt.id };
  }, receiptWarnings);
}

/** A receipt's warnings: lots taken into stock with under 90 days to expiry; a date over 30 days back. */
function receiptWarnings(input: z.output<typeof StockReceiveSchema>, recordedAt: Date): UserWarning[] {
  const day = businessDay(input.receivedAt ?? recordedAt);
  return [
    ...backdatedWarning(['receivedAt'], input.receivedAt, recordedAt),
    ...input.lines.flatMap((l, i) => (l.acceptedQuantity > 0 ? lotExpiresSoonWarning(['lines', i, 'expiresOn'], { ...l, expiresOn: l.expiresOn ?? null }, day) : [])),
  ];
}

// ---------------------------------------------------------------------------------------------
// stockAdjust

export async function adjust(ctx: Context, raw: StockAdjustInput): Promise<Written> {
  return stockMutation(ctx, 'stockAdjust', StockAdjustSchema, raw, async (em, input, establishmentId, meta) => {
    const lot = await knownLot(em, input.clave, input.lotNumber, []);
    // a recall's return or destruction is of held pieces only (every other adjustment is of any lot)
    if (RECALL_REASONS.has(input.reason) && !(await holdsOf(em, [{ establishmentId, lotId: lot.id }])).size) {
      fail('NOT_HELD', ['reason'], `El lote ${input.lotNumber} no está retenido aquí: la devolución o destrucción por alerta sanitaria es solo de lotes retenidos.`);
    }
    await writeMovements(em, meta, [
      {
        field: ['quantity'],
        establishmentId,
        supplyItemId: lot.supplyItemId,
        lotId: lot.id,
        quantity: input.quantity,
        kind: MovementKind.ADJUSTMENT,
        reason: input.reason,
        note: input.note ?? null,
        occurredAt: input.occurredAt,
      },
    ]);
    return {};
  }, (input, recordedAt) => backdatedWarning(['occurredAt'], input.occurredAt, recordedAt));
}

// ---------------------------------------------------------------------------------------------
// stockCount

export async function count(ctx: Context, raw: StockCountInput): Promise<Written> {
  return stockMutation(ctx, 'stockCount', StockCountSchema, raw, async (em, input, establishmentId, meta) => {
    const errors: UserError[] = [];
    const items = await resolveClaves(em, input.lines, errors);
    duplicateLines(input.lines, (l) => `${l.clave}|${l.lotNumber}`, errors);
    const lines = input.lines.map((l) => ({ ...l, supplyItemId: items.get(l.clave)! }));
    const lots = await findLots(em, lines.filter((l) => l.supplyItemId !== undefined));
    lines.forEach((l, i) => {
      if (l.supplyItemId !== undefined && !lots.has(lotKey(l.supplyItemId, l.lotNumber))) {
        errors.push(userError(ErrorCode.UNKNOWN_LOT, ['lines', i, 'lotNumber'], `El lote ${l.lotNumber} de la clave ${l.clave} no ha entrado nunca.`));
      }
    });
    if (errors.length) throw new UserInputError(errors);
    // The difference is taken against each lot's balance as of the moment it was counted (movements
    // recorded after that moment stay, as in OpenLMIS), read under the balances' row locks: a
    // consumption that commits first is counted in, one that comes after waits for the count.
    const lotIds = lines.map((l) => lots.get(lotKey(l.supplyItemId, l.lotNumber))!.id);
    await lockLots(em, establishmentId, lotIds);
    const held = await lotBalancesAsOf(em, establishmentId, lotIds, input.countedAt);
    await writeMovements(
      em,
      meta,
      lines
        .map((l, i): MovementDraft => {
          const lot = lots.get(lotKey(l.supplyItemId, l.lotNumber))!;
          return {
            field: ['lines', i],
            establishmentId,
            supplyItemId: l.supplyItemId,
            lotId: lot.id,
            quantity: l.quantity - held.get(lot.id)!,
            kind: MovementKind.COUNT_CORRECTION,
            document: input.document ?? null,
            note: `contado ${l.quantity}, registrado ${held.get(lot.id)} a esa fecha`,
            occurredAt: input.countedAt,
          };
        })
        .filter((d) => d.quantity !== 0),
    );
    return {};
  }, (input, recordedAt) => backdatedWarning(['countedAt'], input.countedAt, recordedAt));
}

// ---------------------------------------------------------------------------------------------
// stockConsume

export async function consume(ctx: Context, raw: StockConsumeInput): Promise<Written> {
  return stockMutation(ctx, 'stockConsume', StockConsumeSchema, raw, async (em, input, establishmentId, meta) => {
    const drafts = await takeOut(em, establishmentId, input.lines, businessDay(input.occurredAt ?? undefined), (line, lot, quantity, i) => ({
      field: ['lines', i],
      establishmentId,
      supplyItemId: lot.supplyItemId,
      lotId: lot.lotId,
      quantity: -quantity,
      kind: MovementKind.CONSUMPTION,
      occurredAt: input.occurredAt,
    }));
    await writeMovements(em, meta, drafts);
    return {};
  }, (input, recordedAt) => backdatedWarning(['occurredAt'], input.occurredAt, recordedAt));
}
