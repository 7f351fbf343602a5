import { shipmentRecalls } from '../stock/stock.holds';
import { keyClaimedAt } from '../../db/idempotency';
import { runMutation } from '../../db/mutation';
import { businessDay } from '../../domain/dates';
import { isUsableOn } from '../../domain/stock';
import { Context } from '../../base/context';
import { ErrorCode, fail, forbidden, throwIfAny, UserError, userError } from '../../base/errors';
import { backdatedWarning, lotExpiresSoonWarning, UserWarning } from '../../base/warnings';
import { requireEstablishment } from '../registry/registry.queries';
import { WRITE_TIME, writeMovements } from '../stock/ledger';
import { MovementKind, RejectionReason } from '../stock/stock.types';
import { canRead, isReceiver, lockedOrder } from './order.scope';
import { afterOrderChange, shipmentByNumber, shipmentsWhere } from './order.queries';
import { Shipment, ShipmentLine } from './order.types';
import { ShipmentReceiveInput, ShipmentReceiveSchema } from './shipment.inputs';
import { ShipmentResult } from './shipment.types';

/** Receiving a shipment (remisión) at the requesting CLUES: lot by lot, or by exception. */

/** How one shipped lot is received, and which input field speaks for it. */
interface Received {
  shipped: ShipmentLine;
  accepted: number;
  rejected: number;
  reason: RejectionReason | null;
  field: Array<string | number>;
}

/**
 * Receives a shipment at the requesting CLUES: each shipped lot once, accepted + rejected = shipped,
 * a reason for what is rejected. With `acceptAllAsShipped`, `lines` names only the lots with differences
 * (and a line may leave out rejectedQuantity: what it did not accept is rejected) and every other shipped
 * lot is accepted as shipped. Accepted pieces enter stock (TRANSFER_IN); rejected ones are a loss
 * recorded with their reason, not returned. The order's lines and status follow. Every problem of the
 * input is answered at once.
 */
export async function receiveShipment(ctx: Context, raw: ShipmentReceiveInput): Promise<ShipmentResult> {
  return runMutation(
    ctx,
    {
      operation: 'shipmentReceive',
      schema: ShipmentReceiveSchema,
      raw,
      idempotencyKey: (input) => input.idempotencyKey,
      locate: async (em, input, { viewer }) => {
        // Scope first, as for orders: another CLUES's shipment and one that does not exist answer alike.
        const [row] = await em.query(
          `SELECT sh.id, sh.status, o.number AS order_number, r.clues AS "requestingClues", s.clues AS "supplyingClues"
             FROM shipment sh JOIN supply_order o ON o.id = sh.order_id
             JOIN establishment r ON r.id = o.requesting_id LEFT JOIN establishment s ON s.id = o.supplying_id
            WHERE sh.number = $1`,
          [input.shipmentNumber],
        );
        if (!viewer.national && !(row && canRead(viewer, row))) throw forbidden();
        if (!row) fail('UNKNOWN_SHIPMENT', ['shipmentNumber'], `No existe la remisión ${input.shipmentNumber}.`);
        return lockedOrder(em, viewer, row.order_number, (o) => isReceiver(viewer, o));
      },
    },
    async (em, input, meta, order) => {
      const shipment = (await shipmentByNumber(em, input.shipmentNumber))!;
      if (shipment.status !== 'IN_TRANSIT') fail('ALREADY_RECEIVED', ['shipmentNumber'], `La remisión ${shipment.number} ya se recibió.`);

      const errors: UserError[] = [];
      if (input.receivedAt && input.receivedAt.getTime() < new Date(shipment.dispatchedAt).getTime()) {
        errors.push(userError(ErrorCode.INCONSISTENT, ['receivedAt'], `La remisión ${shipment.number} salió el ${new Date(shipment.dispatchedAt).toISOString()}; no pudo recibirse antes.`));
      }
      const day = businessDay(input.receivedAt ?? undefined);
      const given = new Map<ShipmentLine, Received>();
      input.lines.forEach((l, i) => {
        const shipped = shipment.lines.find((s) => s.clave === l.clave && s.lotNumber === l.lotNumber);
        if (!shipped) return errors.push(userError('NOT_IN_SHIPMENT', ['lines', i, 'lotNumber'], `El lote ${l.lotNumber} de ${l.clave} no viene en la remisión.`));
        if (given.has(shipped)) return errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], 'Lote repetido.'));
        const rejected = l.rejectedQuantity ?? (input.acceptAllAsShipped ? Math.max(0, shipped.quantity - l.acceptedQuantity) : 0);
        if (l.acceptedQuantity + rejected !== shipped.quantity) {
          errors.push(
            userError(
              'QUANTITY_MISMATCH',
              ['lines', i, 'acceptedQuantity'],
              l.acceptedQuantity > shipped.quantity
                ? `Se enviaron ${shipped.quantity} piezas del lote ${l.lotNumber}: no pueden aceptarse ${l.acceptedQuantity}.`
                : `Se enviaron ${shipped.quantity} piezas del lote ${l.lotNumber}: aceptadas + rechazadas debe ser ${shipped.quantity}.`,
            ),
          );
        }
        if (rejected > 0 && !l.rejectionReason) errors.push(userError(ErrorCode.REQUIRED, ['lines', i, 'rejectionReason'], `Indique el motivo del rechazo de ${rejected} piezas del lote ${l.lotNumber}.`));
        if (rejected === 0 && l.rejectionReason) errors.push(userError(ErrorCode.INCONSISTENT, ['lines', i, 'rejectionReason'], 'Hay motivo pero ninguna pieza rechazada.'));
        given.set(shipped, { shipped, accepted: l.acceptedQuantity, rejected, reason: l.rejectionReason ?? null, field: ['lines', i] });
      });
      // The receipt covers every shipped lot: as typed, or (by exception) accepted as shipped.
      const received: Received[] = [];
      for (const s of shipment.lines) {
        const r = given.get(s);
        if (r) received.push(r);
        else if (input.acceptAllAsShipped) received.push({ shipped: s, accepted: s.quantity, rejected: 0, reason: null, field: ['acceptAllAsShipped'] });
        else errors.push(userError('MISSING_LINE', ['lines'], `Falta recibir el lote ${s.lotNumber} de ${s.clave} (${s.quantity} piezas).`));
      }
      for (const r of received) {
        if (r.accepted > 0 && !isUsableOn(r.shipped.expiresOn, day)) {
          const what = `El lote ${r.shipped.lotNumber} de ${r.shipped.clave} caducó el ${r.shipped.expiresOn}`;
          errors.push(
            r.field[0] === 'lines'
              ? userError(ErrorCode.LOT_EXPIRED, [...r.field, 'acceptedQuantity'], `${what}: recháce las piezas (EXPIRED).`)
              : userError(ErrorCode.LOT_EXPIRED, r.field, `${what}: no puede aceptarse como enviado; inclúyalo en lines con sus piezas rechazadas (EXPIRED).`),
          );
        }
      }
      // RECALLED is the reason for a lot on hold where the shipment arrives, and for no other
      if (received.some((r) => r.reason === RejectionReason.RECALLED)) {
        const held = new Set((await shipmentRecalls(em, [shipment.pk])).get(shipment.pk)?.map((x) => `${x.clave}|${x.lotNumber}`) ?? []);
        for (const r of received) {
          if (r.reason === RejectionReason.RECALLED && !held.has(`${r.shipped.clave}|${r.shipped.lotNumber}`)) {
            errors.push(userError('NOT_HELD', [...r.field, 'rejectionReason'], `El lote ${r.shipped.lotNumber} de ${r.shipped.clave} no está retenido por alerta sanitaria: elija el motivo de rechazo que corresponda.`));
          }
        }
      }
      throwIfAny(errors);

      const lots: Array<{ id: number; item: number; lot_number: string; clave: string }> = await em.query(
        `SELECT sl.lot_id AS id, sl.supply_item_id AS item, l.lot_number, si.clave FROM shipment_line sl JOIN lot l ON l.id = sl.lot_id
           JOIN supply_item si ON si.id = sl.supply_item_id WHERE sl.shipment_id = $1`,
        [shipment.pk],
      );
      const lotOf = (s: ShipmentLine) => lots.find((x) => x.clave === s.clave && x.lot_number === s.lotNumber)!;
      await em.query(
        `UPDATE shipment_line sl SET accepted = r.accepted, rejected = r.rejected, rejection_reason = r.reason
           FROM unnest($2::int[], $3::int[], $4::int[], $5::text[]) AS r(lot, accepted, rejected, reason)
          WHERE sl.shipment_id = $1 AND sl.lot_id = r.lot`,
        [shipment.pk, received.map((r) => lotOf(r.shipped).id), received.map((r) => r.accepted), received.map((r) => r.rejected), received.map((r) => r.reason)],
      );
      await em.query(`UPDATE shipment SET status = 'RECEIVED', received_at = coalesce($2::timestamptz, ${WRITE_TIME}), received_by = $3, receipt_key = $4 WHERE id = $1`, [
        shipment.pk,
        input.receivedAt?.toISOString() ?? null,
        meta.actor,
        meta.idempotencyKey,
      ]);
      await em.query(
        `UPDATE supply_order_line l SET accepted = l.accepted + d.accepted, rejected = l.rejected + d.rejected
           FROM (SELECT supply_item_id, sum(accepted) AS accepted, sum(rejected) AS rejected FROM shipment_line WHERE shipment_id = $2 GROUP BY 1) d
          WHERE l.order_id = $1 AND l.supply_item_id = d.supply_item_id`,
        [order.pk, shipment.pk],
      );
      const requesting = await requireEstablishment(em, order.requestingClues);
      // pieces of a held lot rejected as RECALLED go back with the carrier to the sender's shelf, where they
      // stay held until returned to the supplier or destroyed: a recall never loses track of a piece
      const recalled = received.filter((r) => r.reason === RejectionReason.RECALLED && r.rejected > 0);
      const sender = recalled.length ? await requireEstablishment(em, order.supplyingClues!) : null;
      await writeMovements(em, meta, [
        ...received
          .filter((r) => r.accepted > 0)
          .map((r) => ({
            field: r.field,
            establishmentId: requesting.id,
            supplyItemId: lotOf(r.shipped).item,
            lotId: lotOf(r.shipped).id,
            quantity: r.accepted,
            kind: MovementKind.TRANSFER_IN,
            document: shipment.number,
            occurredAt: input.receivedAt,
          })),
        ...recalled.map((r) => ({
          field: r.field,
          establishmentId: sender!.id,
          supplyItemId: lotOf(r.shipped).item,
          lotId: lotOf(r.shipped).id,
          quantity: r.rejected,
          kind: MovementKind.TRANSFER_IN,
          reason: RejectionReason.RECALLED,
          note: `Devuelto por ${order.requestingClues}: lote retenido por alerta sanitaria`,
          document: shipment.number,
          occurredAt: input.receivedAt,
        })),
      ]);
      await afterOrderChange(em, order.pk);
      return receivedResult((await shipmentByNumber(em, shipment.number))!, input, await keyClaimedAt(em, meta.actor, meta.idempotencyKey));
    },
    async (em, input, meta) =>
      receivedResult(
        (await shipmentsWhere(em, 'sh.received_by = $1 AND sh.receipt_key = $2', [meta.actor, meta.idempotencyKey]))[0],
        input,
        await keyClaimedAt(em, meta.actor, meta.idempotencyKey),
      ),
  );
}

/**
 * A receipt's answer, the same for its retries: read from the shipment as received (its day, each lot's
 * accepted pieces) and the input. Warnings: lots accepted with under 90 days to expiry; a receipt over 30
 * days back.
 */
function receivedResult(
  shipment: Shipment,
  input: { receivedAt: Date | null; lines: Array<{ clave: string; lotNumber: string }> },
  recordedAt: Date,
): ShipmentResult {
  const day = businessDay(new Date(shipment.receivedAt!));
  const warnings: UserWarning[] = backdatedWarning(['receivedAt'], input.receivedAt, recordedAt);
  for (const s of shipment.lines) {
    if (!s.acceptedQuantity) continue;
    const i = input.lines.findIndex((l) => l.clave === s.clave && l.lotNumber === s.lotNumber);
    warnings.push(...lotExpiresSoonWarning(i >= 0 ? ['lines', i, 'acceptedQuantity'] : ['acceptAllAsShipped'], s, day));
  }
  return { shipment, leftBehind: [], warnings };
}
