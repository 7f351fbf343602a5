import { holdsOf, onHoldMessage, onHoldSql } from '../stock/stock.holds';
import { runMutation } from '../../db/mutation';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { ErrorCode, fail, UserError, userError, UserInputError } from '../../base/errors';
import { RedistributionOrderInput, RedistributionOrderSchema } from '../procurement/procurement.types';
import { afterOrderChange, orderByNumber, ordersWhere } from './order.queries';
import { Order } from './order.types';
import { authorizedSql } from '../catalog/authorization';
import { businessDay } from '../../domain/dates';

/**
 * Central procurement turns a redistribution suggestion into a REPLENISHMENT order from the CLUES
 * with the excess to the one in need, approved at once (origin REDISTRIBUTION). The sending CLUES's
 * own user dispatches it and the receiving one receives it, as for any order; it counts in the fill
 * rates like any other.
 */
export async function createRedistributionOrder(ctx: Context, raw: RedistributionOrderInput): Promise<Order> {
  return runMutation(
    ctx,
    {
      operation: 'redistributionOrderCreate',
      schema: RedistributionOrderSchema,
      raw,
      scope: { roles: Roles.national },
      check: (input) => {
        if (input.fromClues === input.toClues) fail(ErrorCode.INCONSISTENT, ['toClues'], 'Origen y destino son la misma CLUES.');
      },
      idempotencyKey: (input) => input.idempotencyKey,
    },
    async (em, input, meta) => {
      const ests: Array<{ id: number; clues: string; care_level: string | null; is_warehouse: boolean; operating: boolean }> = await em.query(
        `SELECT e.id, e.clues, e.care_level, e.operating, EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = e.id) AS is_warehouse
           FROM establishment e WHERE e.clues = ANY ($1::bpchar[])`,
        [[input.fromClues, input.toClues]],
      );
      const from = ests.find((e) => e.clues === input.fromClues);
      const to = ests.find((e) => e.clues === input.toClues);
      const [item]: Array<{ id: number; authorized: boolean | null }> = await em.query(
        `SELECT s.id, ${authorizedSql('e', 's', '$3::int')} AS authorized FROM supply_item s LEFT JOIN establishment e ON e.clues = $2 WHERE s.clave = $1`,
        [input.clave, input.toClues, Number(businessDay().slice(0, 4))],
      );
      const errors: UserError[] = [];
      if (!from) errors.push(userError(ErrorCode.UNKNOWN_CLUES, ['fromClues'], `No existe la CLUES ${input.fromClues}.`));
      if (!to) errors.push(userError(ErrorCode.UNKNOWN_CLUES, ['toClues'], `No existe la CLUES ${input.toClues}.`));
      if (!item) errors.push(userError(ErrorCode.UNKNOWN_CLAVE, ['clave'], `No existe la clave ${input.clave}.`));
      if (errors.length) throw new UserInputError(errors);
      if (!item.authorized) {
        fail('NOT_AUTHORIZED_FOR_LEVEL', ['clave'], `La clave ${input.clave} no está autorizada para el nivel de atención ni la tipología de ${input.toClues}.`);
      }
      // A lot named that is on hold there is refused as such, with the alert's reference.
      if (input.lotNumber) {
        const [lot] = await em.query('SELECT id FROM lot WHERE supply_item_id = $1 AND lot_number = $2', [item.id, input.lotNumber]);
        const hold = lot ? (await holdsOf(em, [{ establishmentId: from!.id, lotId: lot.id }])).get(`${from!.id}:${lot.id}`) : undefined;
        if (hold) fail('LOT_ON_HOLD', ['lotNumber'], onHoldMessage(hold.lotNumber, hold.reference));
      }
      // The pieces must be there now (usable, in the named lot when there is one), beyond what is already promised away.
      const [{ usable, promised }] = await em.query(
        `SELECT coalesce((SELECT sum(b.quantity) FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN establishment e ON e.id = b.establishment_id
                           WHERE b.establishment_id = $1 AND b.supply_item_id = $2 AND (l.expires_on IS NULL OR l.expires_on >= (now() AT TIME ZONE 'America/Mexico_City')::date)
                             AND NOT ${onHoldSql('l.id', 'e.state_code')}
                             AND ($3::text IS NULL OR l.lot_number = $3)), 0)::int AS usable,
                coalesce((SELECT sum(greatest(0, ol.approved - ol.dispatched)) FROM supply_order o JOIN supply_order_line ol ON ol.order_id = o.id
                           WHERE o.supplying_id = $1 AND ol.supply_item_id = $2 AND o.status IN ('APPROVED', 'PARTIALLY_FULFILLED')), 0)::int AS promised`,
        [from!.id, item.id, input.lotNumber ?? null],
      );
      if (input.lotNumber && usable === 0) fail('UNKNOWN_LOT', ['lotNumber'], `${input.fromClues} no tiene piezas utilizables del lote ${input.lotNumber}.`);
      if (input.pieces > usable - promised) {
        fail(ErrorCode.INSUFFICIENT_STOCK, ['pieces'], `${input.fromClues} tiene ${usable} piezas utilizables${input.lotNumber ? ` del lote ${input.lotNumber}` : ''} y ${promised} ya comprometidas; se piden ${input.pieces}.`);
      }
      const [order] = await em.query(
        `INSERT INTO supply_order (number, kind, status, origin, requesting_id, supplying_id, promised_on, created_by, submitted_at, approved_at, approved_by, idempotency_key)
         VALUES ('OS-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('order_number_seq')::text, 6, '0'),
                 'REPLENISHMENT', 'APPROVED', 'REDISTRIBUTION', $1, $2, $3, $4, now(), now(), $4, $5) RETURNING id, number`,
        [to!.id, from!.id, input.promisedOn ?? null, meta.actor, meta.idempotencyKey],
      );
      await em.query('INSERT INTO supply_order_line (order_id, supply_item_id, requested, approved) VALUES ($1, $2, $3, $3)', [order.id, item.id, input.pieces]);
      await afterOrderChange(em, order.id);
      return (await orderByNumber(em, order.number))!;
    },
    async (em, _input, meta) => (await ordersWhere(em, 'o.created_by = $1 AND o.idempotency_key = $2', [meta.actor, meta.idempotencyKey]))[0],
  );
}
