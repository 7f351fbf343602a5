import { runMutation } from '../../db/mutation';
import { businessDay } from '../../domain/dates';
import { isUsableOn } from '../../domain/stock';
import { Context, viewerOf } from '../../base/context';
import { ErrorCode, fail, forbidden, UserError, userError, UserInputError } from '../../base/errors';
import { requireEstablishment } from '../registry/registry.queries';
import { MovementDraft, WRITE_TIME, writeMovements } from '../stock/ledger';
import { takeOut } from '../stock/stock.lots';
import { MovementKind } from '../stock/stock.types';
import { canRead, isDispatcher, isReceiver, lockedOrder, requireStatus } from './order.scope';
import { afterOrderChange, shipmentByNumber, shipmentsWhere } from './order.queries';
import { OrderStatus, Shipment, ShipmentDispatchInput, ShipmentDispatchSchema, ShipmentReceiveInput, ShipmentReceiveSchema } from './order.types';

/** Shipments (remisiones): dispatching against an approved order and receiving at the requesting CLUES. */

// ---------------------------------------------------------------------------------------------
// Shipments

/**
 * Sends pieces from the supplying warehouse: FEFO unless a lot is named, never more than the
 * approved remainder nor the usable stock. The order row is locked first, so two dispatches against
 * one order take turns; the stock rows are locked by the ledger as for any other withdrawal.
 */
export async function dispatch(ctx: Context, raw: ShipmentDispatchInput): Promise<Shipment> {
  return runMutation(
    ctx,
    {
      operation: 'shipmentDispatch',
      schema: ShipmentDispatchSchema,
      raw,
      idempotencyKey: (input) => input.idempotencyKey,
      locate: (em, input, { viewer }) => lockedOrder(em, viewer, input.orderNumber, (o) => isDispatcher(viewer, o)),
    },
    async (em, input, meta, order) => {
      requireStatus(order, [OrderStatus.APPROVED, OrderStatus.PARTIALLY_FULFILLED], ['orderNumber']);
      const errors: UserError[] = [];
      if (order.approvedAt && input.dispatchedAt && input.dispatchedAt.getTime() < new Date(order.approvedAt).getTime()) {
        errors.push(userError(ErrorCode.INCONSISTENT, ['dispatchedAt'], `La orden ${order.number} se aprobó el ${new Date(order.approvedAt).toISOString()}; no pudo enviarse antes.`));
      }
      const asked = new Map<string, number>();
      input.lines.forEach((l, i) => {
        const line = order.lines.find((x) => x.clave === l.clave);
        if (!line) return errors.push(userError('NOT_ON_ORDER', ['lines', i, 'clave'], `La clave ${l.clave} no está en la orden ${order.number}.`));
        const total = (asked.get(l.clave) ?? 0) + l.quantity;
        asked.set(l.clave, total);
        if (total > line.remaining) {
          errors.push(userError('EXCEEDS_APPROVED_REMAINDER', ['lines', i, 'quantity'], `Quedan ${line.remaining} piezas aprobadas por enviar de ${l.clave}; se piden ${total}.`));
        }
      });
      if (errors.length) throw new UserInputError(errors);
      const supplying = await requireEstablishment(em, order.supplyingClues!, ['orderNumber']);
      const now = input.dispatchedAt;
      const drafts = await takeOut(em, supplying.id, input.lines, businessDay(now ?? undefined), (_line, lot, quantity, i): MovementDraft => ({
        field: ['lines', i],
        establishmentId: supplying.id,
        supplyItemId: lot.supplyItemId,
        lotId: lot.lotId,
        quantity: -quantity,
        kind: MovementKind.DISPATCH,
        document: order.number,
        occurredAt: now,
      }));
      const [shipment] = await em.query(
        `INSERT INTO shipment (number, order_id, status, dispatched_at, dispatched_by, idempotency_key)
         VALUES ('REM-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('shipment_number_seq')::text, 6, '0'),
                 $1, 'IN_TRANSIT', coalesce($2::timestamptz, ${WRITE_TIME}), $3, $4) RETURNING id, number`,
        [order.pk, now?.toISOString() ?? null, meta.actor, meta.idempotencyKey],
      );
      // One shipment line per lot (FEFO may split a line over lots, or two lines meet on one lot).
      const perLot = new Map<number, { item: number; qty: number }>();
      for (const d of drafts) perLot.set(d.lotId, { item: d.supplyItemId, qty: (perLot.get(d.lotId)?.qty ?? 0) - d.quantity });
      const lots = [...perLot.entries()];
      await em.query(
        `INSERT INTO shipment_line (shipment_id, line, supply_item_id, lot_id, quantity) SELECT $1, * FROM unnest($2::smallint[], $3::int[], $4::int[], $5::int[])`,
        [shipment.id, lots.map((_, i) => i + 1), lots.map(([, v]) => v.item), lots.map(([lot]) => lot), lots.map(([, v]) => v.qty)],
      );
      await em.query(
        `UPDATE supply_order_line l SET dispatched = l.dispatched + d.qty
           FROM (SELECT supply_item_id, sum(quantity) AS qty FROM shipment_line WHERE shipment_id = $2 GROUP BY 1) d
          WHERE l.order_id = $1 AND l.supply_item_id = d.supply_item_id`,
        [order.pk, shipment.id],
      );
      await writeMovements(em, meta, drafts);
      await afterOrderChange(em, order.pk);
      return (await shipmentByNumber(em, shipment.number))!;
    },
    async (em, _input, meta) => (await shipmentsWhere(em, 'sh.dispatched_by = $1 AND sh.idempotency_key = $2', [meta.actor, meta.idempotencyKey]))[0],
  );
}

/**
 * Receives a shipment at the requesting CLUES: each shipped lot once, accepted + rejected = shipped,
 * a reason for what is rejected. Accepted pieces enter stock (TRANSFER_IN); rejected ones are a loss
 * recorded with their reason, not returned. The order's lines and status follow.
 */
export async function receiveShipment(ctx: Context, raw: ShipmentReceiveInput): Promise<Shipment> {
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
      const seen = new Set<string>();
      input.lines.forEach((l, i) => {
        const k = `${l.clave}|${l.lotNumber}`;
        const shipped = shipment.lines.find((s) => s.clave === l.clave && s.lotNumber === l.lotNumber);
        if (seen.has(k)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], 'Lote repetido.'));
        seen.add(k);
        if (!shipped) return errors.push(userError('NOT_IN_SHIPMENT', ['lines', i, 'lotNumber'], `El lote ${l.lotNumber} de ${l.clave} no viene en la remisión.`));
        if (l.acceptedQuantity + l.rejectedQuantity !== shipped.quantity) {
          errors.push(userError('QUANTITY_MISMATCH', ['lines', i, 'acceptedQuantity'], `Se enviaron ${shipped.quantity} piezas del lote ${l.lotNumber}: aceptadas + rechazadas debe ser ${shipped.quantity}.`));
        }
        if (l.rejectedQuantity > 0 && !l.rejectionReason) errors.push(userError(ErrorCode.REQUIRED, ['lines', i, 'rejectionReason'], 'Indique el motivo del rechazo.'));
        if (l.rejectedQuantity === 0 && l.rejectionReason) errors.push(userError(ErrorCode.INCONSISTENT, ['lines', i, 'rejectionReason'], 'Hay motivo pero ninguna pieza rechazada.'));
        if (l.acceptedQuantity > 0 && !isUsableOn(shipped.expiresOn, day)) {
          errors.push(userError(ErrorCode.LOT_EXPIRED, ['lines', i, 'acceptedQuantity'], `El lote ${l.lotNumber} caducó el ${shipped.expiresOn}: recháce las piezas (EXPIRED).`));
        }
      });
      for (const s of shipment.lines) {
        if (!seen.has(`${s.clave}|${s.lotNumber}`)) errors.push(userError('MISSING_LINE', ['lines'], `Falta recibir el lote ${s.lotNumber} de ${s.clave} (${s.quantity} piezas).`));
      }
      if (errors.length) throw new UserInputError(errors);

      const lots: Array<{ id: number; item: number; lot_number: string; clave: string }> = await em.query(
        `SELECT sl.lot_id AS id, sl.supply_item_id AS item, l.lot_number, si.clave FROM shipment_line sl JOIN lot l ON l.id = sl.lot_id
           JOIN supply_item si ON si.id = sl.supply_item_id WHERE sl.shipment_id = $1`,
        [shipment.pk],
      );
      const lotOf = (l: { clave: string; lotNumber: string }) => lots.find((x) => x.clave === l.clave && x.lot_number === l.lotNumber)!;
      await em.query(
        `UPDATE shipment_line sl SET accepted = r.accepted, rejected = r.rejected, rejection_reason = r.reason
           FROM unnest($2::int[], $3::int[], $4::int[], $5::text[]) AS r(lot, accepted, rejected, reason)
          WHERE sl.shipment_id = $1 AND sl.lot_id = r.lot`,
        [shipment.pk, input.lines.map((l) => lotOf(l).id), input.lines.map((l) => l.acceptedQuantity), input.lines.map((l) => l.rejectedQuantity), input.lines.map((l) => l.rejectionReason ?? null)],
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
      await writeMovements(
        em,
        meta,
        input.lines
          .filter((l) => l.acceptedQuantity > 0)
          .map((l, i) => ({
            field: ['lines', i],
            establishmentId: requesting.id,
            supplyItemId: lotOf(l).item,
            lotId: lotOf(l).id,
            quantity: l.acceptedQuantity,
            kind: MovementKind.TRANSFER_IN,
            document: shipment.number,
            occurredAt: input.receivedAt,
          })),
      );
      await afterOrderChange(em, order.pk);
      return (await shipmentByNumber(em, shipment.number))!;
    },
    async (em, _input, meta) => (await shipmentsWhere(em, 'sh.received_by = $1 AND sh.receipt_key = $2', [meta.actor, meta.idempotencyKey]))[0],
  );
}

export async function shipmentFor(ctx: Context, number: string): Promise<Shipment | null> {
  const viewer = viewerOf(ctx);
  const shipment = await shipmentByNumber(ctx.db, number.trim());
  if (!shipment) {
    if (!viewer.national) throw forbidden();
    return null;
  }
  if (!viewer.covers(shipment.fromClues) && !viewer.covers(shipment.toClues)) throw forbidden();
  return shipment;
}
