import { EntityManager } from 'typeorm';
import { z } from 'zod';
import { claimIdempotencyKey } from '../../db/idempotency';
import { inTransaction } from '../../db/transaction';
import { businessDay } from '../../domain/dates';
import { allocateFefo, isUsableOn } from '../../domain/stock';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { ErrorCode, fail, forbidden, UserError, userError, UserInputError } from '../../base/errors';
import { fromGlobalId } from '../../base/node';
import { businessInstant, claveField, cluesField, identifier, lotNumberField, parseInput, text } from '../../base/validation';
import { isCalendarDate } from '../../base/scalars';
import { purchaseReceipts } from './purchase-receipts';
import { requireEstablishment } from '../registry/registry.queries';
import { LockedLot, lockItemLots, lockLots, lotBalancesAsOf, MovementDraft, WRITE_TIME, writeMovements } from './ledger';
import {
  ExpiredWriteOffInput,
  StockAdjustInput,
  StockConsumeInput,
  StockCountInput,
  StockMovementReverseInput,
  StockReceiveInput,
} from './stock.inputs';
import { movementsByKey, receiptById } from './stock.queries';
import { AdjustmentReason, MovementKind, Receipt, ReceiptSource, RejectionReason, StockMovement } from './stock.types';

/** Clock skew allowed between a client and the server for "not in the future". */
const MAX_LINES = 500;

const idempotencyKey = z.string().trim().min(1).max(200);
const lotNumber = lotNumberField;
const pieces = z.number().int().min(1).max(100_000_000);
const calendarDate = z.string().refine(isCalendarDate, { params: { code: ErrorCode.INVALID_DATE }, message: 'Fecha inválida: use AAAA-MM-DD.' });


/**
 * What a stock mutation wrote, read after its transaction committed and only if the response asks
 * for it: the balances the mutation locked are released at COMMIT, not after the payload is read.
 */
export interface Written {
  movements(): Promise<StockMovement[]>;
  receipt(): Promise<Receipt | null>;
}

function written(ctx: Context, idempotencyKey: string, receiptId: number | undefined): Written {
  const actor = viewerOf(ctx).subject;
  let movements: Promise<StockMovement[]> | undefined;
  let receipt: Promise<Receipt | null> | undefined;
  return {
    movements: () => (movements ??= movementsByKey(ctx.db, actor, idempotencyKey)),
    receipt: () => (receipt ??= receiptId ? receiptById(ctx.db, receiptId) : Promise.resolve(null)),
  };
}

/**
 * The frame of every stock mutation: validate, check the caller's scope from the CLUES, then in one
 * transaction find the location, claim the idempotency key (a replay returns what the first request
 * wrote) and do the work.
 */
async function stockMutation<I extends { idempotencyKey: string; clues: string }>(
  ctx: Context,
  operation: string,
  raw: object,
  input: I,
  work: (em: EntityManager, input: I, establishmentId: number, meta: { actor: string; idempotencyKey: string }) => Promise<{ receiptId?: number }>,
): Promise<Written> {
  const viewer = viewerOf(ctx);
  viewer.assertMayWrite(Roles.stockWriters, input.clues);
  const receiptId = await inTransaction(ctx.db, async (em) => {
    const est = await requireEstablishment(em, input.clues);
    // The request as sent is what a retry repeats (defaults such as "now" would differ).
    const claim = await claimIdempotencyKey(em, { key: input.idempotencyKey, operation, subject: viewer.subject, input: raw });
    if (claim === 'fresh') return (await work(em, input, est.id, { actor: viewer.subject, idempotencyKey: input.idempotencyKey })).receiptId;
    const [r] = await em.query('SELECT id FROM receipt WHERE actor = $1 AND idempotency_key = $2', [viewer.subject, input.idempotencyKey]);
    return r?.id as number | undefined;
  });
  return written(ctx, input.idempotencyKey, receiptId);
}

const unknownClave = (i: number, clave: string) => userError(ErrorCode.UNKNOWN_CLAVE, ['lines', i, 'clave'], `No existe la clave ${clave} en el catálogo.`);

/** Supply item ids of the claves of some lines; unknown claves are user errors at their line. */
async function resolveClaves(em: EntityManager, lines: Array<{ clave: string }>, errors: UserError[]): Promise<Map<string, number>> {
  const rows: Array<{ id: number; clave: string }> = await em.query('SELECT id, clave FROM supply_item WHERE clave = ANY($1::text[])', [
    [...new Set(lines.map((l) => l.clave))],
  ]);
  const ids = new Map(rows.map((r) => [r.clave, r.id]));
  lines.forEach((l, i) => {
    if (!ids.has(l.clave)) errors.push(unknownClave(i, l.clave));
  });
  return ids;
}

interface LotRow {
  id: number;
  supplyItemId: number;
  lotNumber: string;
  expiresOn: string | null;
}

async function findLots(em: EntityManager, pairs: Array<{ supplyItemId: number; lotNumber: string }>): Promise<Map<string, LotRow>> {
  const rows: Array<{ id: number; supply_item_id: number; lot_number: string; expires_on: string | null }> = await em.query(
    `SELECT l.id, l.supply_item_id, l.lot_number, l.expires_on::text AS expires_on
       FROM lot l JOIN unnest($1::int[], $2::text[]) AS p(item, num) ON l.supply_item_id = p.item AND l.lot_number = p.num`,
    [pairs.map((p) => p.supplyItemId), pairs.map((p) => p.lotNumber)],
  );
  return new Map(rows.map((r) => [lotKey(r.supply_item_id, r.lot_number), { id: r.id, supplyItemId: r.supply_item_id, lotNumber: r.lot_number, expiresOn: r.expires_on }]));
}

const lotKey = (supplyItemId: number, lotNumber: string) => `${supplyItemId}|${lotNumber}`;

function duplicateLines<L>(lines: L[], keyOf: (l: L) => string, errors: UserError[]): void {
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    const key = keyOf(l);
    if (seen.has(key)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], 'Línea repetida: junte las piezas del mismo lote en una sola línea.'));
    seen.add(key);
  });
}

// ---------------------------------------------------------------------------------------------
// stockReceive

const receiveSchema = z.object({
  idempotencyKey,
  clues: cluesField,
  orderNumber: z.string().trim().min(1).max(40).nullish(),
  source: z.nativeEnum(ReceiptSource),
  supplierDocument: identifier(100).nullish(),
  receivedAt: businessInstant,
  lines: z
    .array(
      z
        .object({
          clave: claveField,
          lotNumber,
          expiresOn: calendarDate.nullish(),
          acceptedQuantity: z.number().int().min(0).max(100_000_000),
          rejectedQuantity: z.number().int().min(0).max(100_000_000).nullish().transform((v) => v ?? 0),
          rejectionReason: z.nativeEnum(RejectionReason).nullish(),
        })
        .superRefine((l, c) => {
          if (l.acceptedQuantity + l.rejectedQuantity === 0) {
            c.addIssue({ code: 'custom', path: ['acceptedQuantity'], params: { code: ErrorCode.MUST_BE_POSITIVE }, message: 'La línea no recibe ni rechaza ninguna pieza.' });
          }
          if (l.rejectedQuantity > 0 && !l.rejectionReason) {
            c.addIssue({ code: 'custom', path: ['rejectionReason'], params: { code: ErrorCode.REQUIRED }, message: 'Indique el motivo del rechazo.' });
          }
          if (l.rejectedQuantity === 0 && l.rejectionReason) {
            c.addIssue({ code: 'custom', path: ['rejectionReason'], params: { code: ErrorCode.INCONSISTENT }, message: 'Hay motivo de rechazo pero ninguna pieza rechazada.' });
          }
        }),
    )
    .min(1)
    .max(MAX_LINES),
});

export async function receive(ctx: Context, raw: StockReceiveInput): Promise<Written> {
  const input = parseInput(receiveSchema, raw);
  return stockMutation(ctx, 'stockReceive', raw, input, async (em, input, establishmentId, meta) => {
    const errors: UserError[] = [];
    duplicateLines(input.lines, (l) => `${l.clave}|${l.lotNumber}`, errors);
    const day = businessDay(input.receivedAt ?? undefined);
    input.lines.forEach((l, i) => {
      // A lot already expired may arrive only to be rejected, never into stock.
      if (l.acceptedQuantity > 0 && l.expiresOn && l.expiresOn < day) {
        errors.push(userError(ErrorCode.LOT_EXPIRED, ['lines', i, 'expiresOn'], `El lote ${l.lotNumber} caducó el ${l.expiresOn}: no puede entrar al inventario.`));
      }
    });
    if (errors.length) throw new UserInputError(errors);

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
    input.lines.forEach((l, i) => {
      const f = found[i];
      if (f.item === null) errors.push(unknownClave(i, l.clave));
      else if (f.expires_on !== (l.expiresOn ?? null)) {
        errors.push(
          userError(ErrorCode.LOT_EXPIRY_MISMATCH, ['lines', i, 'expiresOn'], `El lote ${l.lotNumber} ya está registrado con caducidad ${f.expires_on ?? 'sin caducidad'}.`),
        );
      }
    });
    if (errors.length) throw new UserInputError(errors);
    const lines = input.lines.map((l, i) => ({ ...l, supplyItemId: found[i].item!, lotId: found[i].lot! }));

    // A supplier's delivery against a purchase order counts on that order (never beyond what was approved).
    const orderId = input.orderNumber
      ? await purchaseReceipts().apply(em, input.orderNumber, establishmentId, lines.map((l) => ({ ...l, rejectedQuantity: l.rejectedQuantity })))
      : null;
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
  });
}

// ---------------------------------------------------------------------------------------------
// stockAdjust

/** Reasons that only take pieces out, and those that only put them in. */
const OUT_REASONS = new Set([AdjustmentReason.DAMAGE, AdjustmentReason.LOSS, AdjustmentReason.THEFT]);
const IN_REASONS = new Set([AdjustmentReason.FOUND]);

const adjustSchema = z
  .object({
    idempotencyKey,
    clues: cluesField,
    clave: claveField,
    lotNumber,
    quantity: z.number().int().min(-100_000_000).max(100_000_000).refine((q) => q !== 0, {
      params: { code: ErrorCode.MUST_BE_POSITIVE },
      message: 'El ajuste no puede ser de 0 piezas.',
    }),
    reason: z.nativeEnum(AdjustmentReason),
    note: z.string().trim().max(500).nullish(),
    occurredAt: businessInstant,
  })
  .superRefine((a, c) => {
    if ((OUT_REASONS.has(a.reason) && a.quantity > 0) || (IN_REASONS.has(a.reason) && a.quantity < 0)) {
      c.addIssue({
        code: 'custom',
        path: ['quantity'],
        params: { code: ErrorCode.INCONSISTENT },
        message: `Un ajuste por ${a.reason} ${OUT_REASONS.has(a.reason) ? 'resta' : 'suma'} piezas: revise el signo.`,
      });
    }
    if (a.reason === AdjustmentReason.OTHER && !a.note) {
      c.addIssue({ code: 'custom', path: ['note'], params: { code: ErrorCode.REQUIRED }, message: 'Explique el ajuste por OTHER en la nota.' });
    }
  });

export async function adjust(ctx: Context, raw: StockAdjustInput): Promise<Written> {
  const input = parseInput(adjustSchema, raw);
  return stockMutation(ctx, 'stockAdjust', raw, input, async (em, input, establishmentId, meta) => {
    const lot = await knownLot(em, input.clave, input.lotNumber, []);
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
  });
}

/** A lot that must already exist (only a receipt brings a new lot, with its expiry). */
async function knownLot(em: EntityManager, clave: string, lotNumber: string, field: Array<string | number>): Promise<LotRow> {
  const [row] = await em.query(
    `SELECT l.id, l.supply_item_id AS "supplyItemId", l.lot_number AS "lotNumber", l.expires_on::text AS "expiresOn", s.id AS item
       FROM supply_item s LEFT JOIN lot l ON l.supply_item_id = s.id AND l.lot_number = $2 WHERE s.clave = $1`,
    [clave, lotNumber],
  );
  if (!row) fail(ErrorCode.UNKNOWN_CLAVE, [...field, 'clave'], `No existe la clave ${clave} en el catálogo.`);
  if (!row.id) fail(ErrorCode.UNKNOWN_LOT, [...field, 'lotNumber'], `El lote ${lotNumber} de la clave ${clave} no ha entrado nunca: regístrelo con una entrada.`);
  return row;
}

// ---------------------------------------------------------------------------------------------
// stockCount

const countSchema = z.object({
  idempotencyKey,
  clues: cluesField,
  countedAt: businessInstant,
  document: z.string().trim().min(1).max(100).nullish(),
  lines: z
    .array(z.object({ clave: claveField, lotNumber, quantity: z.number().int().min(0).max(100_000_000) }))
    .min(1)
    .max(MAX_LINES),
});

export async function count(ctx: Context, raw: StockCountInput): Promise<Written> {
  const input = parseInput(countSchema, raw);
  return stockMutation(ctx, 'stockCount', raw, input, async (em, input, establishmentId, meta) => {
    const errors: UserError[] = [];
    const items = await resolveClaves(em, input.lines, errors);
    duplicateLines(input.lines, (l) => `${l.clave}|${l.lotNumber}`, errors);
    if (errors.length) throw new UserInputError(errors);
    const lines = input.lines.map((l) => ({ ...l, supplyItemId: items.get(l.clave)! }));
    const lots = await findLots(em, lines);
    lines.forEach((l, i) => {
      if (!lots.has(lotKey(l.supplyItemId, l.lotNumber))) {
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
  });
}

// ---------------------------------------------------------------------------------------------
// stockConsume

const consumeSchema = z.object({
  idempotencyKey,
  clues: cluesField,
  occurredAt: businessInstant,
  lines: z
    .array(z.object({ clave: claveField, quantity: pieces, lotNumber: lotNumber.nullish() }))
    .min(1)
    .max(MAX_LINES),
});

export async function consume(ctx: Context, raw: StockConsumeInput): Promise<Written> {
  const input = parseInput(consumeSchema, raw);
  return stockMutation(ctx, 'stockConsume', raw, input, async (em, input, establishmentId, meta) => {
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
  });
}

/**
 * Plans taking pieces out of a location: from the named lot, or FEFO over the lots usable on `day`.
 * The balances are locked first, so the plan holds when it is written.
 */
export async function takeOut<L extends { clave: string; quantity: number; lotNumber?: string | null }>(
  em: EntityManager,
  establishmentId: number,
  lines: L[],
  day: string,
  draft: (line: L, lot: LockedLot, quantity: number, index: number) => MovementDraft,
  quantityField = 'quantity',
): Promise<MovementDraft[]> {
  const errors: UserError[] = [];
  const items = await resolveClaves(em, lines, errors);
  if (errors.length) throw new UserInputError(errors);
  const locked = await lockItemLots(em, establishmentId, [...new Set(items.values())]);
  const left = new Map(locked.map((l) => [l.lotId, l.quantity]));
  const drafts: MovementDraft[] = [];
  lines.forEach((line, i) => {
    const supplyItemId = items.get(line.clave)!;
    const lots = locked.filter((l) => l.supplyItemId === supplyItemId).map((l) => ({ ...l, quantity: left.get(l.lotId)! }));
    if (line.lotNumber) {
      const lot = lots.find((l) => l.lotNumber === line.lotNumber);
      if (!lot) {
        errors.push(userError(ErrorCode.UNKNOWN_LOT, ['lines', i, 'lotNumber'], `No hay piezas del lote ${line.lotNumber} de la clave ${line.clave} en esta CLUES.`));
      } else if (!isUsableOn(lot.expiresOn, day)) {
        errors.push(userError(ErrorCode.LOT_EXPIRED, ['lines', i, 'lotNumber'], `El lote ${line.lotNumber} caducó el ${lot.expiresOn}: no puede usarse.`));
      } else if (lot.quantity < line.quantity) {
        errors.push(userError(ErrorCode.INSUFFICIENT_STOCK, ['lines', i, quantityField], `Existencia insuficiente en el lote ${line.lotNumber}: hay ${lot.quantity} piezas y se piden ${line.quantity}.`));
      } else {
        left.set(lot.lotId, lot.quantity - line.quantity);
        drafts.push(draft(line, lot, line.quantity, i));
      }
      return;
    }
    const plan = allocateFefo(lots, line.quantity, day);
    if (!plan.ok) {
      errors.push(userError(ErrorCode.INSUFFICIENT_STOCK, ['lines', i, quantityField], `Existencia utilizable insuficiente de ${line.clave}: hay ${plan.usable} piezas y se piden ${line.quantity}.`));
      return;
    }
    for (const take of plan.takes) {
      left.set(take.lot.lotId, left.get(take.lot.lotId)! - take.quantity);
      drafts.push(draft(line, take.lot as LockedLot, take.quantity, i));
    }
  });
  if (errors.length) throw new UserInputError(errors);
  return drafts;
}

// ---------------------------------------------------------------------------------------------
// expiredWriteOff

const writeOffSchema = z.object({
  idempotencyKey,
  clues: cluesField,
  asOf: calendarDate
    .nullish()
    .transform((d) => d ?? businessDay())
    .refine((d) => d <= businessDay(), { params: { code: ErrorCode.DATE_IN_FUTURE }, message: 'La fecha no puede ser posterior a hoy.' }),
});

export async function writeOffExpired(ctx: Context, raw: ExpiredWriteOffInput): Promise<Written> {
  const input = parseInput(writeOffSchema, raw);
  return stockMutation(ctx, 'expiredWriteOff', raw, input, async (em, input, establishmentId, meta) => {
    const expired: Array<{ lot_id: number; supply_item_id: number; quantity: number; expires_on: string }> = await em.query(
      `SELECT b.lot_id, b.supply_item_id, b.quantity, l.expires_on::text AS expires_on
         FROM stock_balance b JOIN lot l ON l.id = b.lot_id
        WHERE b.establishment_id = $1 AND b.quantity > 0 AND l.expires_on < $2::date
        ORDER BY b.lot_id FOR UPDATE OF b`,
      [establishmentId, input.asOf],
    );
    const occurredAt = input.asOf === businessDay() ? null : endOfBusinessDay(input.asOf);
    await writeMovements(
      em,
      meta,
      expired.map((e) => ({
        field: ['asOf'],
        establishmentId,
        supplyItemId: e.supply_item_id,
        lotId: e.lot_id,
        quantity: -e.quantity,
        kind: MovementKind.EXPIRY_WRITE_OFF,
        reason: 'EXPIRED',
        note: `caducó el ${e.expires_on}`,
        occurredAt,
      })),
    );
    return {};
  });
}

/** The last second of a Mexico City day (no daylight saving since 2022: UTC−6). */
function endOfBusinessDay(day: string): Date {
  return new Date(`${day}T23:59:59-06:00`);
}

// ---------------------------------------------------------------------------------------------
// stockMovementReverse

const reverseSchema = z.object({ idempotencyKey, movementId: z.string().max(200), reason: text(500) });

export async function reverse(ctx: Context, raw: StockMovementReverseInput): Promise<Written> {
  const input = parseInput(reverseSchema, raw);
  const viewer = viewerOf(ctx);
  const decoded = fromGlobalId(input.movementId);
  const id = decoded?.type === 'StockMovement' && /^[0-9]{1,18}$/.test(decoded.key) ? decoded.key : null;
  await inTransaction(ctx.db, async (em) => {
    // Scope first, on an unlocked read: outside the caller's reach, a movement that exists and one that
    // does not look the same, and the caller never waits on (or takes) the movement's lock.
    const [where] = id ? await em.query('SELECT e.clues FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE m.id = $1', [id]) : [];
    if (!where && !viewer.national) throw forbidden();
    if (!where) fail(ErrorCode.UNKNOWN_MOVEMENT, ['movementId'], 'No existe ese movimiento.');
    viewer.assertMayWrite(Roles.stockWriters, where.clues);
    const [m] = await em.query(
      `SELECT m.id::text, m.establishment_id, e.clues, m.supply_item_id, m.lot_id, m.quantity, m.kind,
              EXISTS (SELECT 1 FROM stock_movement r WHERE r.reverses_id = m.id) AS reversed
         FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE m.id = $1 FOR UPDATE OF m`,
      [id],
    );
    const claim = await claimIdempotencyKey(em, { key: input.idempotencyKey, operation: 'stockMovementReverse', subject: viewer.subject, input: raw });
    if (claim === 'fresh') {
      if (m.kind === MovementKind.REVERSAL) fail(ErrorCode.NOT_REVERSIBLE, ['movementId'], 'Una reversión no se revierte: registre el movimiento de nuevo.');
      if (m.reversed) fail(ErrorCode.ALREADY_REVERSED, ['movementId'], 'Este movimiento ya fue revertido.');
      await writeMovements(em, { actor: viewer.subject, idempotencyKey: input.idempotencyKey }, [
        {
          field: ['movementId'],
          establishmentId: m.establishment_id,
          supplyItemId: m.supply_item_id,
          lotId: m.lot_id,
          quantity: -m.quantity,
          kind: MovementKind.REVERSAL,
          note: input.reason,
          occurredAt: null,
          reversesId: m.id,
        },
      ]);
    }
  });
  return written(ctx, input.idempotencyKey, undefined);
}
