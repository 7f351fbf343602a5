import { EntityManager } from 'typeorm';
import { fail, UserError, userError, UserInputError } from '../../base/errors';
import { registerPurchaseReceipts } from '../stock/purchase-receipts';
import { afterOrderChange } from './order.queries';
import { OrderKind, OrderStatus, orderStatusLabel } from './order.types';

/**
 * Ties a receipt to its PURCHASE order: the order must be open, be the receiving warehouse's, and
 * have the claves; accepted pieces never beyond the approved remainder. Updates the order lines
 * (a supplier's delivery counts as dispatched when it arrives). The ledger records the receipt and
 * then calls `afterOrderChange`, which moves the status and the fill rollup: both are registered below
 * as the stock module's purchase-receipt policy (src/modules/stock/purchase-receipts.ts).
 */
export async function applyPurchaseReceipt(
  em: EntityManager,
  orderNumber: string,
  establishmentId: number,
  lines: Array<{ supplyItemId: number; clave: string; acceptedQuantity: number; rejectedQuantity: number; index?: number }>,
): Promise<number> {
  const [row] = await em.query('SELECT id, kind, status, requesting_id FROM supply_order WHERE number = $1 FOR UPDATE', [orderNumber]);
  if (!row || row.requesting_id !== establishmentId) fail('UNKNOWN_ORDER', ['orderNumber'], `No hay una orden ${orderNumber} de esta CLUES.`);
  if (row.kind !== OrderKind.PURCHASE) fail('WRONG_ORDER_KIND', ['orderNumber'], 'Un reabasto se recibe con shipmentReceive, contra su remisión.');
  if (row.status !== OrderStatus.APPROVED && row.status !== OrderStatus.PARTIALLY_FULFILLED) {
    fail('INVALID_STATUS', ['orderNumber'], `La orden ${orderNumber} está ${orderStatusLabel(row.status)}: solo se recibe contra una orden aprobada o parcialmente surtida.`);
  }
  const orderLines: Array<{ supply_item_id: number; approved: number; accepted: number }> = await em.query(
    'SELECT supply_item_id, approved, accepted FROM supply_order_line WHERE order_id = $1',
    [row.id],
  );
  const errors: UserError[] = [];
  const added = new Map<number, number>();
  lines.forEach((l, at) => {
    const i = l.index ?? at;
    const ol = orderLines.find((x) => x.supply_item_id === l.supplyItemId);
    if (!ol) return errors.push(userError('NOT_ON_ORDER', ['lines', i, 'clave'], `La clave ${l.clave} no está en la orden ${orderNumber}.`));
    const total = (added.get(l.supplyItemId) ?? 0) + l.acceptedQuantity;
    added.set(l.supplyItemId, total);
    if (ol.accepted + total > ol.approved) {
      errors.push(userError('EXCEEDS_APPROVED_REMAINDER', ['lines', i, 'acceptedQuantity'], `Quedan ${ol.approved - ol.accepted} piezas aprobadas de ${l.clave}.`));
    }
  });
  if (errors.length) throw new UserInputError(errors);
  await em.query(
    `UPDATE supply_order_line l SET dispatched = l.dispatched + d.a + d.r, accepted = l.accepted + d.a, rejected = l.rejected + d.r
       FROM (SELECT item, sum(a) AS a, sum(r) AS r FROM unnest($2::int[], $3::int[], $4::int[]) AS x(item, a, r) GROUP BY 1) d
      WHERE l.order_id = $1 AND l.supply_item_id = d.item`,
    [row.id, lines.map((l) => l.supplyItemId), lines.map((l) => l.acceptedQuantity), lines.map((l) => l.rejectedQuantity)],
  );
  return row.id;
}


registerPurchaseReceipts({ apply: applyPurchaseReceipt, after: afterOrderChange });
