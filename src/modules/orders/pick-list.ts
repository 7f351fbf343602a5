import { Field, Int, ObjectType } from 'type-graphql';
import { DateScalar } from '../../base/scalars';
import { allocateFefo, expiresSoon, isUsableLot } from '../../domain/stock';
import { LockedLot } from '../stock/ledger';
import type { OrderLine } from './order.types';
import { DispatchShortfall, ShortfallReason } from './shipment.types';

/**
 * "Send what is available" (shipmentDispatch with fromAvailable), planned lot by lot: the one home of
 * the rule, used by the dispatch under the balances' locks and by the pick list (Order.pickList) that
 * the warehouse reads before it, on the balances as they stand. Per order line, the pending pieces
 * (approved − dispatched) as far as the usable stock allows, taken FEFO (`allocateFefo`); what stays
 * behind, per clave, with its reason.
 */

export interface PickedLot {
  clave: string;
  supplyItemId: number;
  lot: LockedLot;
  quantity: number;
}

export interface PickPlan {
  picks: PickedLot[];
  leftBehind: DispatchShortfall[];
  /** Whether any line had pending pieces at all (none: there is nothing to dispatch). */
  anyPending: boolean;
}

export function planFromAvailable(lines: readonly OrderLine[], lots: readonly LockedLot[], day: string): PickPlan {
  const pending = lines.filter((l) => l.pending > 0);
  const picks: PickedLot[] = [];
  const leftBehind: DispatchShortfall[] = [];
  // the lots of each clave, found once (a route's manifest plans 1,000 lines against 500 lots)
  const byItem = new Map<number, LockedLot[]>();
  for (const x of lots) if (x.quantity > 0) byItem.set(x.supplyItemId, [...(byItem.get(x.supplyItemId) ?? []), x]);
  for (const l of pending) {
    const held = byItem.get(l.supplyItemId) ?? [];
    const usable = held.filter((x) => isUsableLot(x, day)).reduce((s, x) => s + x.quantity, 0);
    const onHold = held.filter((x) => x.heldBy).reduce((s, x) => s + x.quantity, 0);
    const sent = Math.min(l.pending, usable);
    if (sent > 0) {
      const plan = allocateFefo(held, sent, day);
      // `sent` never exceeds the usable pieces, so the allocation always covers it
      if (plan.ok) for (const t of plan.takes) picks.push({ clave: l.clave, supplyItemId: l.supplyItemId, lot: t.lot as LockedLot, quantity: t.quantity });
    }
    if (sent < l.pending) leftBehind.push(shortfall(l.clave, l.pending, sent, held.reduce((s, x) => s + x.quantity, 0) - usable - onHold, onHold));
  }
  return { picks, leftBehind, anyPending: pending.length > 0 };
}

function shortfall(clave: string, requested: number, sent: number, expired: number, onHold = 0): DispatchShortfall {
  const left = requested - sent;
  const [reason, message] =
    sent > 0
      ? [ShortfallReason.PARTIAL_STOCK, `Se enviaron las ${sent} piezas utilizables de ${clave}; quedan ${left} de ${requested} aprobadas por enviar.`]
      : onHold > 0
        ? [ShortfallReason.ONLY_HELD_STOCK, `Ninguna pieza de ${clave} es utilizable: ${onHold} están retenidas por alerta sanitaria${expired > 0 ? ` y ${expired} caducadas` : ''}, y no se envían; quedan ${left} aprobadas por enviar.`]
      : expired > 0
        ? [ShortfallReason.ONLY_EXPIRED_STOCK, `Las ${expired} piezas de ${clave} en existencia están caducadas y no se envían; quedan ${left} aprobadas por enviar.`]
        : [ShortfallReason.NO_STOCK, `No hay piezas de ${clave} en existencia; quedan ${left} aprobadas por enviar.`];
  return { clave, requested, sent, left, reason, message };
}

@ObjectType({ description: 'One lot to take from the shelf of the supplying warehouse, and how many pieces.' })
export class PickListLine {
  supplyItemId: number;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true, description: 'Expiry date of the lot; null when it does not expire.' })
  expiresOn: string | null;

  @Field(() => Int, { description: 'Pieces to pick from this lot.' })
  quantity: number;

  @Field(() => Int, { description: 'Pieces the lot holds at the warehouse now (what is on the shelf before picking).' })
  onHand: number;

  @Field({ description: 'Fewer than 90 days left on `asOf`: the dispatch will warn LOT_EXPIRES_SOON for it.' })
  expiresSoon: boolean;
}

@ObjectType({
  description:
    'What shipmentDispatch(fromAvailable) would send now, lot by lot in FEFO order, planned by the same rule the dispatch applies (on the stock as it stands: a dispatch made later reads it again under its locks), and what would stay behind, per clave, with its reason.',
})
export class PickList {
  @Field(() => DateScalar, { description: 'The business day the lots are judged usable on (today).' })
  asOf: string;

  @Field(() => [PickListLine], { description: 'Per order line in order, its lots soonest expiry first.' })
  lines: PickListLine[];

  @Field(() => [DispatchShortfall], { description: 'Claves of which the pending pieces cannot all be sent: what stays and why.' })
  leftBehind: DispatchShortfall[];
}

export function pickList(plan: PickPlan, day: string): PickList {
  return {
    asOf: day,
    lines: plan.picks.map((p) => ({
      supplyItemId: p.supplyItemId,
      clave: p.clave,
      lotNumber: p.lot.lotNumber,
      expiresOn: p.lot.expiresOn,
      quantity: p.quantity,
      onHand: p.lot.quantity,
      expiresSoon: expiresSoon(p.lot.expiresOn, day),
    })),
    leftBehind: plan.leftBehind,
  };
}
