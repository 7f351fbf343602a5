import { runMutation } from '../../db/mutation';
import { businessDay } from '../../domain/dates';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { ErrorCode, fail, forbidden } from '../../base/errors';
import { fromGlobalId } from '../../base/node';
import { backdatedWarning } from '../../base/warnings';
import { writeMovements } from './ledger';
import { ExpiredWriteOffInput, ExpiredWriteOffSchema, StockMovementReverseInput, StockMovementReverseSchema } from './stock.inputs';
import { stockMutation, written, Written } from './stock.service';
import { MovementKind } from './stock.types';

/** Corrections: expired lots written off, and a movement undone by its reversal. */

// ---------------------------------------------------------------------------------------------
// expiredWriteOff

export async function writeOffExpired(ctx: Context, raw: ExpiredWriteOffInput): Promise<Written> {
  return stockMutation(ctx, 'expiredWriteOff', ExpiredWriteOffSchema, raw, async (em, input, establishmentId, meta) => {
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
  }, (input, recordedAt) => backdatedWarning(['asOf'], input.asOf, recordedAt));
}

/** The last second of a Mexico City day (no daylight saving since 2022: UTC−6). */
function endOfBusinessDay(day: string): Date {
  return new Date(`${day}T23:59:59-06:00`);
}

// ---------------------------------------------------------------------------------------------
// stockMovementReverse

export async function reverse(ctx: Context, raw: StockMovementReverseInput): Promise<Written> {
  const key = await runMutation(
    ctx,
    {
      operation: 'stockMovementReverse',
      schema: StockMovementReverseSchema,
      raw,
      idempotencyKey: (input) => input.idempotencyKey,
      locate: async (em, input, { viewer }) => {
        const decoded = fromGlobalId(input.movementId);
        const id = decoded?.type === 'StockMovement' && /^[0-9]{1,18}$/.test(decoded.key) ? decoded.key : null;
        // Scope first, on an unlocked read: outside the caller's reach, a movement that exists and one that
        // does not look the same, and the caller never waits on (or takes) the movement's lock.
        const [where] = id ? await em.query('SELECT e.clues FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE m.id = $1', [id]) : [];
        if (!where && !viewer.national) throw forbidden();
        if (!where) fail(ErrorCode.UNKNOWN_MOVEMENT, ['movementId'], 'No existe ese movimiento.');
        viewer.assertMayActAt(Roles.stockWriters, where.clues);
        const [m] = await em.query(
          `SELECT m.id::text, m.establishment_id, e.clues, m.supply_item_id, m.lot_id, m.quantity, m.kind,
                  EXISTS (SELECT 1 FROM stock_movement r WHERE r.reverses_id = m.id) AS reversed
             FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id WHERE m.id = $1 FOR UPDATE OF m`,
          [id],
        );
        return m;
      },
    },
    async (em, input, meta, m) => {
      if (m.kind === MovementKind.REVERSAL) fail(ErrorCode.NOT_REVERSIBLE, ['movementId'], 'Una reversión no se revierte: registre el movimiento de nuevo.');
      if (m.reversed) fail(ErrorCode.ALREADY_REVERSED, ['movementId'], 'Este movimiento ya fue revertido.');
      await writeMovements(em, meta, [
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
      return meta.idempotencyKey;
    },
    async (_em, _input, meta) => meta.idempotencyKey,
  );
  return written(ctx, key, undefined);
}
