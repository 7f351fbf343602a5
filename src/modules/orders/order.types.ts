import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { z } from 'zod';
import { ErrorCode, UserError } from '../../base/errors';
import { Node, toGlobalId } from '../../base/node';
import { UserWarning } from '../../base/warnings';
import { DateScalar, isCalendarDate } from '../../base/scalars';
import { claveField, cluesField, idempotencyKeyField, piecesField, text } from '../../base/validation';
import { DateTimeScalar, RejectionReason } from '../stock/stock.types';
import { pendingPieces } from '../../domain/stock';
import { DispatchShortfall } from './shipment.types';

export enum OrderKind {
  REPLENISHMENT = 'REPLENISHMENT',
  PURCHASE = 'PURCHASE',
}

export enum OrderStatus {
  DRAFT = 'DRAFT',
  SUBMITTED = 'SUBMITTED',
  APPROVED = 'APPROVED',
  PARTIALLY_FULFILLED = 'PARTIALLY_FULFILLED',
  FULFILLED = 'FULFILLED',
  CLOSED = 'CLOSED',
  CANCELLED = 'CANCELLED',
}

/** How a status reads in a Spanish message (the enum value is what clients send and switch on). */
export const ORDER_STATUS_LABEL: Readonly<Record<OrderStatus, string>> = {
  DRAFT: 'en borrador',
  SUBMITTED: 'enviada',
  APPROVED: 'aprobada',
  PARTIALLY_FULFILLED: 'parcialmente surtida',
  FULFILLED: 'surtida',
  CLOSED: 'cerrada',
  CANCELLED: 'cancelada',
};

export const orderStatusLabel = (status: string): string => ORDER_STATUS_LABEL[status as OrderStatus] ?? status;

export enum ShipmentStatus {
  IN_TRANSIT = 'IN_TRANSIT',
  RECEIVED = 'RECEIVED',
}

registerEnumType(OrderKind, { name: 'OrderKind', description: 'REPLENISHMENT: a unit or warehouse asks its supplying warehouse; PURCHASE: a warehouse buys from a supplier.' });
registerEnumType(OrderStatus, { name: 'OrderStatus', description: 'DRAFT → SUBMITTED → APPROVED (emitida) → PARTIALLY_FULFILLED → FULFILLED, or CLOSED / CANCELLED.' });
registerEnumType(ShipmentStatus, { name: 'ShipmentStatus' });

export enum OrderOrigin {
  REQUEST = 'REQUEST',
  REDISTRIBUTION = 'REDISTRIBUTION',
  DISTRIBUTION = 'DISTRIBUTION',
}
registerEnumType(OrderOrigin, {
  name: 'OrderOrigin',
  description: 'Why an order exists: REQUEST, asked for; REDISTRIBUTION, central moves stock between CLUES; DISTRIBUTION, a monthly round of Rutas de la Salud pushes kits.',
});

@ObjectType({ description: 'One clave of an order: requested, approved (emitidas), and what became of them.' })
export class OrderLine {
  supplyItemId: number;
  /** The order's supplying establishment id and CLUES (null for a purchase): whose stock `supplierUsable` reads. */
  supplyingId: number | null;
  supplyingClues: string | null;

  @Field()
  clave: string;

  @Field(() => Int)
  requested: number;

  @Field(() => Int, { nullable: true, description: 'Pieces approved (emitidas); null before approval.' })
  approved: number | null;

  @Field(() => Int, { description: 'Pieces sent (for a purchase: delivered by the supplier).' })
  dispatched: number;

  @Field(() => Int, { description: 'Pieces accepted at the destination (entregadas).' })
  accepted: number;

  @Field(() => Int, { description: 'Pieces rejected at the destination.' })
  rejected: number;

  @Field(() => Int, { description: 'dispatched − accepted − rejected: on the way.' })
  get inTransit(): number {
    return this.dispatched - this.accepted - this.rejected;
  }

  @Field(() => Int, { description: 'approved − accepted − in transit: what may still be sent (rejected pieces included, when the warehouse names them).' })
  get remaining(): number {
    return this.approved === null ? 0 : Math.max(0, this.approved - this.accepted - this.inTransit);
  }

  @Field(() => Int, { description: 'approved − dispatched (SPEC §4): approved and not yet dispatched; the pending in and out of the stock position, and what shipmentDispatch(fromAvailable) sends.' })
  get pending(): number {
    return pendingPieces(this.approved, this.dispatched);
  }
}

@ObjectType({ implements: Node, description: 'An order (orden de suministro).' })
export class Order implements Node {
  pk: number;
  requestingId: number;
  supplyingId: number | null;
  contractId: number | null;
  /** The round of Rutas de la Salud that made it (origin DISTRIBUTION), by id. */
  distributionRoundId: number | null;

  @Field(() => OrderOrigin, { description: 'REQUEST: asked for by the unit; REDISTRIBUTION: moving stock at risk between two CLUES.' })
  origin: OrderOrigin;

  @Field(() => ID)
  get id(): string {
    return toGlobalId('Order', this.number);
  }

  @Field({ description: 'Human-readable unique number, e.g. OS-2026-000123.' })
  number: string;

  @Field(() => OrderKind)
  kind: OrderKind;

  @Field(() => OrderStatus)
  status: OrderStatus;

  @Field({ description: 'CLUES that asks.' })
  requestingClues: string;

  @Field(() => String, { nullable: true, description: 'CLUES of the supplying warehouse (replenishment).' })
  supplyingClues: string | null;

  @Field(() => String, { nullable: true, description: 'Supplier (purchase).' })
  supplier: string | null;

  @Field(() => DateScalar, { nullable: true })
  promisedOn: string | null;

  @Field(() => DateTimeScalar)
  createdAt: Date;

  @Field()
  createdBy: string;

  @Field(() => DateTimeScalar, { nullable: true })
  submittedAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was approved (emitida).' })
  approvedAt: Date | null;

  @Field(() => String, { nullable: true })
  approvedBy: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it was closed, cancelled or fulfilled.' })
  endedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Reason for closing or cancelling.' })
  endReason: string | null;

  @Field(() => [OrderLine])
  lines: OrderLine[];
}

@ObjectType()
export class ShipmentLine {
  @Field(() => Int)
  line: number;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => Int)
  quantity: number;

  @Field(() => Int, { nullable: true })
  acceptedQuantity: number | null;

  @Field(() => Int, { nullable: true })
  rejectedQuantity: number | null;

  @Field(() => RejectionReason, { nullable: true })
  rejectionReason: RejectionReason | null;
}

@ObjectType({ implements: Node, description: 'A shipment (remisión) against one order.' })
export class Shipment implements Node {
  pk: number;

  @Field(() => ID)
  get id(): string {
    return toGlobalId('Shipment', this.number);
  }

  @Field()
  number: string;

  @Field()
  orderNumber: string;

  @Field(() => ShipmentStatus)
  status: ShipmentStatus;

  @Field()
  fromClues: string;

  @Field()
  toClues: string;

  @Field(() => DateTimeScalar)
  dispatchedAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  receivedAt: Date | null;

  @Field(() => [ShipmentLine])
  lines: ShipmentLine[];

  @Field(() => [DispatchShortfall], {
    nullable: true,
    description: 'Sent from what was available (fromAvailable): the claves whose approved remainder was not all sent, and why. Null when the lines were typed.',
  })
  leftBehind: DispatchShortfall[] | null;
}

@InputType()
export class OrderLineInput {
  @Field()
  clave: string;

  @Field(() => Int)
  quantity: number;
}

@InputType({ description: 'A new order, as DRAFT: lines given, or the suggested replenishment (fromSuggestion).' })
export class OrderCreateInput {
  @Field()
  idempotencyKey: string;

  @Field(() => OrderKind)
  kind: OrderKind;

  @Field()
  requestingClues: string;

  @Field(() => String, { nullable: true, description: 'Replenishment: the supplying warehouse (default: the requesting CLUES’s own).' })
  supplyingClues?: string | null;

  @Field(() => String, { nullable: true, description: 'Purchase: the supplier.' })
  supplier?: string | null;

  @Field(() => ID, { nullable: true, description: 'Purchase: the open contract it is bought under (its `id`, as ProcurementContract.id and node(id:) know it).' })
  contract?: string | null;

  @Field(() => Int, { nullable: true, description: 'Purchase: the open contract, by ProcurementContract.contractId.', deprecationReason: 'Use contract (the contract’s global id).' })
  contractId?: number | null;

  @Field(() => DateScalar, { nullable: true })
  promisedOn?: string | null;

  @Field(() => [OrderLineInput], { nullable: true })
  lines?: OrderLineInput[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Take the lines from suggestedOrder (replenishment).' })
  fromSuggestion?: boolean | null;
}

export const OrderCreateSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  kind: z.nativeEnum(OrderKind),
  requestingClues: cluesField,
  supplyingClues: cluesField.nullish(),
  supplier: z.string().trim().min(1).max(200).nullish(),
  contract: z.string().trim().min(1).max(200).nullish(),
  contractId: z.number().int().nullish(),
  promisedOn: z.string().refine(isCalendarDate, { params: { code: ErrorCode.INVALID_DATE }, message: 'Fecha inválida.' }).nullish(),
  lines: z.array(z.object({ clave: claveField, quantity: piecesField })).max(1000).nullish(),
  fromSuggestion: z.boolean().nullish(),
});

@InputType()
export class OrderNumberInput {
  @Field()
  number: string;
}

/** The number as sent: the order is looked up by it trimmed, and one that does not exist is refused as such. */
export const OrderNumberSchema = z.object({ number: z.string() });

@InputType()
export class OrderApproveLineInput {
  @Field()
  clave: string;

  @Field(() => Int)
  approvedQuantity: number;
}

@InputType({ description: 'Approves (emite) a submitted order; lines left out are approved as requested.' })
export class OrderApproveInput {
  @Field()
  number: string;

  @Field(() => [OrderApproveLineInput], { nullable: true })
  lines?: OrderApproveLineInput[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Cap every line (as requested, or as cut in `lines`) at what the supplying warehouse can still promise: its `supplierAvailable` = max(0, usable − pending out). A line capped to 0 is approved at 0.',
  })
  capToAvailable?: boolean | null;
}

export const OrderApproveSchema = z.object({
  number: z.string().trim().min(1).max(40),
  lines: z.array(z.object({ clave: claveField, approvedQuantity: z.number().int().min(0).max(100_000_000) })).max(1000).nullish(),
  capToAvailable: z.boolean().nullish(),
});

@InputType()
export class OrderEndInput {
  @Field()
  number: string;

  @Field()
  reason: string;
}

export const OrderEndSchema = z.object({ number: z.string().trim().min(1).max(40), reason: text(500) });

@ObjectType()
export class OrderPayload {
  @Field(() => Order, { nullable: true })
  order: Order | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class ShipmentPayload {
  @Field(() => Shipment, { nullable: true })
  shipment: Shipment | null;

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => [DispatchShortfall], {
    description: 'shipmentDispatch from what is available: per clave, what the approved remainder asked for, what was sent, what stayed behind and why. Empty otherwise.',
  })
  leftBehind: DispatchShortfall[];

  @Field(() => [UserWarning], { description: 'What is worth knowing, applied anyway: LOT_EXPIRES_SOON (a lot accepted with under 90 days left), BACKDATED (over 30 days back).' })
  userWarnings: UserWarning[];
}

@ObjectType({ description: 'Suggested replenishment of one clave (SPEC §4).' })
export class SuggestedOrderLine {
  supplyItemId: number;
  /** The establishment id and CLUES of the location's supplying warehouse (null: none). */
  supplyingId: number | null;
  supplyingClues: string | null;

  @Field()
  clave: string;

  @Field(() => Int)
  cpm: number;

  @Field(() => Int)
  usable: number;

  @Field(() => Int)
  inTransit: number;

  @Field(() => Int, { description: 'Approved on open replenishment orders to this location and not yet dispatched (approved − dispatched; view stock_pending).' })
  pending: number;

  @Field(() => Float)
  maxMonths: number;

  @Field(() => Int, { description: 'max(0, ⌈cpm × maxMonths⌉ − usable − inTransit − pending).' })
  quantity: number;
}

@InputType({ description: 'Which orders a list shows; outside national roles always within the caller\'s scope.' })
export class OrderFilter {
  @Field(() => [OrderStatus], { nullable: true })
  statuses?: OrderStatus[] | null;

  @Field(() => [OrderKind], { nullable: true })
  kinds?: OrderKind[] | null;

  @Field(() => String, { nullable: true })
  requestingClues?: string | null;

  @Field(() => String, { nullable: true })
  supplyingClues?: string | null;
}
