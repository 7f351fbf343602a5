import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateScalar, DateTimeScalar } from '../../base/scalars';
import { SupplyItem } from '../catalog/supply-item.entity';
import { MovementKind, ReceiptSource, RejectionReason } from '../stock/stock.types';

/**
 * Tracing a lot (lotTrace, issue 21): where every piece of a lot went, place by place, with the
 * documents it travelled on. The figures of a place partition its ledger entries of the lot, so that
 * received + found − sentOn − consumed − dispensed − writtenOff = onHand at every place (and in the
 * totals). A REVERSAL counts under the movement it undoes (a reversed dispensing takes its pieces back
 * off `dispensed`).
 */

export enum LotSourceKind {
  RECEIPT = 'RECEIPT',
  SHIPMENT = 'SHIPMENT',
}
registerEnumType(LotSourceKind, {
  name: 'LotSourceKind',
  description: 'RECEIPT: a delivery recorded at the place (stockReceive: a supplier, a donation, a return). SHIPMENT: a remisión from another CLUES.',
});

@ObjectType({ description: 'A document the lot reached a place on: a receipt, or a shipment (remisión) from another CLUES — received, or still on the road.' })
export class LotTraceSource {
  @Field(() => LotSourceKind)
  kind: LotSourceKind;

  @Field(() => DateTimeScalar, { description: 'When it was received; for a shipment still on the road, when it left.' })
  at: Date;

  @Field(() => String, { nullable: true, description: 'The shipment number (REM-…), or the receipt\'s supplier document (factura, remisión del proveedor).' })
  document: string | null;

  @Field(() => String, { nullable: true, description: 'The order it came against: the replenishment order of a shipment, the PURCHASE order of a receipt.' })
  orderNumber: string | null;

  @Field(() => ReceiptSource, { nullable: true, description: 'Of a receipt: PURCHASE, DONATION, RETURN or OTHER.' })
  receiptSource: ReceiptSource | null;

  @Field(() => String, { nullable: true, description: 'Of a receipt against a PURCHASE order: the supplier (proveedor) the order names.' })
  supplier: string | null;

  @Field(() => String, { nullable: true, description: 'Of a shipment: the CLUES it left from.' })
  fromClues: string | null;

  @Field(() => String, { nullable: true, description: 'Of a shipment: the name of the CLUES it left from.' })
  fromName: string | null;

  @Field({ description: 'IN_TRANSIT (a shipment not yet received) or RECEIVED.' })
  status: string;

  @Field(() => Int, { description: 'Pieces of the lot delivered or shipped on it (accepted + rejected; for a shipment on the road, what left).' })
  pieces: number;

  @Field(() => Int, { nullable: true, description: 'Pieces accepted into stock; null while on the road.' })
  accepted: number | null;

  @Field(() => Int, { nullable: true, description: 'Pieces turned away at receipt; null while on the road.' })
  rejected: number | null;

  @Field(() => RejectionReason, { nullable: true })
  rejectionReason: RejectionReason | null;
}

@ObjectType({ description: 'A prescription (receta) the lot was dispensed on, with its pieces of the lot (net of reversals).' })
export class LotTracePrescription {
  @Field()
  folio: string;

  @Field(() => DateScalar)
  issuedOn: string;

  @Field(() => DateTimeScalar)
  dispensedAt: Date;

  @Field(() => Int)
  pieces: number;
}

@ObjectType({ description: 'One CLUES the lot reached (or is on its way to), with what became of its pieces there.' })
export class LotTracePlace {
  establishmentId: number;

  @Field()
  clues: string;

  @Field()
  name: string;

  @Field({ description: 'INEGI code of the state.' })
  stateCode: string;

  @Field(() => [LotTraceSource], { description: 'Where the lot came from to this place: receipts and shipments, oldest first.' })
  sources: LotTraceSource[];

  @Field(() => Int, { description: 'Pieces taken into stock here: receipts (RECEIPT) and shipments received (TRANSFER_IN).' })
  received: number;

  @Field(() => Int, { description: 'Pieces that appeared here: positive adjustments (FOUND…) and count corrections upwards.' })
  found: number;

  @Field(() => Int, { description: 'Pieces dispatched from here to other CLUES (DISPATCH), on the road or received there.' })
  sentOn: number;

  @Field(() => Int, { description: 'Pieces consumed by wards or services (CONSUMPTION).' })
  consumed: number;

  @Field(() => Int, { description: 'Pieces dispensed to patients on prescriptions (DISPENSE).' })
  dispensed: number;

  @Field(() => Int, {
    description: 'Pieces written off: expiry write-offs, negative adjustments (damage, loss, theft, a recall\'s return or destruction…) and count corrections downwards.',
  })
  writtenOff: number;

  @Field(() => Int, { description: 'Pieces of the lot turned away on arrival here (shipments and receipts): they never entered stock, here or anywhere.' })
  rejected: number;

  @Field(() => Int, { description: 'Pieces on hand now (the balance): received + found − sentOn − consumed − dispensed − writtenOff.' })
  onHand: number;

  @Field(() => Int, { description: 'Pieces dispatched from here that the destination has not received yet.' })
  inTransit: number;

  @Field(() => Int, { description: 'Pieces on the road to here: shipped to this CLUES, not yet received.' })
  incoming: number;

  @Field(() => [LotTracePrescription], {
    nullable: true,
    description: 'The prescriptions the lot was dispensed on here, oldest first. Null unless the caller may read this CLUES\'s prescriptions (national roles, the state\'s coordinator, the unit itself).',
  })
  prescriptions: LotTracePrescription[] | null;
}

@ObjectType({ description: 'The figures of every place the caller sees, added up (a transfer counts where it left and where it arrived).' })
export class LotTraceTotals {
  @Field(() => Int, { description: 'Places (CLUES) seen.' })
  places: number;

  @Field(() => Int)
  received: number;

  @Field(() => Int)
  found: number;

  @Field(() => Int)
  sentOn: number;

  @Field(() => Int)
  consumed: number;

  @Field(() => Int)
  dispensed: number;

  @Field(() => Int)
  writtenOff: number;

  @Field(() => Int)
  rejected: number;

  @Field(() => Int)
  onHand: number;

  @Field(() => Int)
  inTransit: number;
}

@ObjectType({ description: 'One ledger entry of the lot, with the document it was written for.' })
export class LotTraceEvent {
  @Field(() => ID, { description: 'The StockMovement\'s global id.' })
  movementId: string;

  @Field(() => DateTimeScalar, { description: 'Business time of the movement.' })
  occurredAt: Date;

  @Field()
  clues: string;

  @Field()
  name: string;

  @Field(() => MovementKind)
  kind: MovementKind;

  @Field(() => Int, { description: 'Signed pieces: positive in, negative out.' })
  quantity: number;

  @Field(() => String, { nullable: true, description: 'Adjustment reason, receipt source, or EXPIRED.' })
  reason: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The document: the shipment number (remisión) of a DISPATCH or TRANSFER_IN; the folio of a DISPENSE (null where the caller may not read prescriptions); the supplier document or order of a RECEIPT; a count\'s document; for a REVERSAL, that of the movement it undoes.',
  })
  document: string | null;

  @Field(() => String, { nullable: true, description: 'The order the movement belongs to (replenishment or purchase).' })
  orderNumber: string | null;

  @Field(() => String, { nullable: true, description: 'The other CLUES: where a DISPATCH went, where a TRANSFER_IN came from.' })
  counterpartClues: string | null;

  @Field(() => ID, { nullable: true, description: 'For a REVERSAL: the global id of the movement it undoes.' })
  reversesMovementId: string | null;

  @Field(() => MovementKind, { nullable: true, description: 'For a REVERSAL: the kind of the movement it undoes.' })
  reversesKind: MovementKind | null;
}

@ObjectType({ description: 'A lot traced through the network (rastreo de lote): every place it reached, what became of it there, and every movement in order. In the caller\'s scope.' })
export class LotTrace {
  lotId: number;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => SupplyItem)
  supplyItem: SupplyItem;

  @Field(() => DateTimeScalar, { description: 'When the trace was read: every figure is as of this instant.' })
  asOf: Date;

  @Field(() => [LotTracePlace], { description: 'Each CLUES in the caller\'s scope the lot reached, or is on its way to, by CLUES.' })
  places: LotTracePlace[];

  @Field(() => LotTraceTotals)
  totals: LotTraceTotals;

  @Field(() => [LotTraceEvent], { description: 'Every movement of the lot at the places seen, in business-time order.' })
  timeline: LotTraceEvent[];
}
