import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { StockStatus } from '../../domain/stock';
import { UserError } from '../../base/errors';
import { PageArgs } from '../../base/relay';
import { DateScalar } from '../../base/scalars';
import { AdjustmentReason, DateTimeScalar, ReceiptSource, Receipt, RejectionReason, StockMovement } from './stock.types';

const KEY = 'Unique per operation: retrying with the same key and input returns the first result and changes nothing.';

@InputType()
export class StockReceiveLineInput {
  @Field()
  clave: string;

  @Field({ description: 'Lot number (lote) as printed on the package.' })
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true, description: 'Expiry date (caducidad); leave out for supplies that do not expire.' })
  expiresOn?: string | null;

  @Field(() => Int, { description: 'Pieces accepted into stock.' })
  acceptedQuantity: number;

  @Field(() => Int, { nullable: true, description: 'Pieces rejected (not taken into stock); needs a reason.' })
  rejectedQuantity?: number | null;

  @Field(() => RejectionReason, { nullable: true })
  rejectionReason?: RejectionReason | null;
}

@InputType({ description: 'Pieces received at a warehouse or unit from a supplier, a donation or a return.' })
export class StockReceiveInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field()
  clues: string;

  @Field(() => String, { nullable: true, description: 'Order (orden de suministro) the delivery is for.' })
  orderNumber?: string | null;

  @Field(() => ReceiptSource, { defaultValue: ReceiptSource.PURCHASE })
  source: ReceiptSource;

  @Field(() => String, { nullable: true, description: "Supplier's document (remisión, factura)." })
  supplierDocument?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the pieces arrived; default now. Not in the future.' })
  receivedAt?: Date | null;

  @Field(() => [StockReceiveLineInput])
  lines: StockReceiveLineInput[];
}

@InputType({ description: 'A correction of one lot by hand, with its reason: negative takes pieces out, positive puts them in.' })
export class StockAdjustInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field()
  clues: string;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => Int, { description: 'Signed pieces, not 0.' })
  quantity: number;

  @Field(() => AdjustmentReason)
  reason: AdjustmentReason;

  @Field(() => String, { nullable: true, description: 'Required for OTHER.' })
  note?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Default now. Not in the future.' })
  occurredAt?: Date | null;
}

@InputType()
export class StockCountLineInput {
  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => Int, { description: 'Pieces counted on the shelf (0 or more).' })
  quantity: number;
}

@InputType({ description: 'A physical inventory: each counted lot is set to what was counted; lots not listed keep their balance.' })
export class StockCountInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field()
  clues: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Default now. Not in the future.' })
  countedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Count sheet or act number.' })
  document?: string | null;

  @Field(() => [StockCountLineInput])
  lines: StockCountLineInput[];
}

@InputType()
export class StockConsumeLineInput {
  @Field()
  clave: string;

  @Field(() => Int)
  quantity: number;

  @Field(() => String, { nullable: true, description: 'Leave out to take from the lot that expires soonest (FEFO).' })
  lotNumber?: string | null;
}

@InputType({ description: 'Pieces used in wards or services (consumo), not dispensed on a prescription.' })
export class StockConsumeInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field()
  clues: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Default now. Not in the future.' })
  occurredAt?: Date | null;

  @Field(() => [StockConsumeLineInput])
  lines: StockConsumeLineInput[];
}

@InputType({ description: 'Takes every lot that has expired by `asOf` out of stock at a location.' })
export class ExpiredWriteOffInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field()
  clues: string;

  @Field(() => DateScalar, { nullable: true, description: 'Lots that expired before this day; default today.' })
  asOf?: string | null;
}

@InputType({ description: 'Undoes a movement by writing its opposite (a REVERSAL).' })
export class StockMovementReverseInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field(() => ID)
  movementId: string;

  @Field()
  reason: string;
}

@ObjectType()
export class StockReceivePayload {
  @Field(() => Receipt, { nullable: true })
  receipt: Receipt | null;

  @Field(() => [StockMovement], { nullable: true })
  movements: StockMovement[] | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class StockMovementsPayload {
  @Field(() => [StockMovement], { nullable: true, description: 'The ledger entries the mutation wrote.' })
  movements: StockMovement[] | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType()
export class StockFilter {
  @Field(() => [String], { nullable: true })
  claves?: string[] | null;

  @Field(() => [StockStatus], { nullable: true })
  statuses?: StockStatus[] | null;

  @Field(() => Int, { nullable: true, description: 'Only claves with a lot (holding pieces, not yet expired) that expires within this many days.' })
  expiringWithinDays?: number | null;
}

@ArgsType()
export class StockLevelsArgs extends PageArgs {
  @Field()
  clues: string;

  @Field(() => StockFilter, { nullable: true })
  filter?: StockFilter | null;
}

@ArgsType()
export class StockMovementsArgs extends PageArgs {
  @Field()
  clues: string;

  @Field(() => String, { nullable: true })
  clave?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'From this instant (inclusive), business time.' })
  from?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Until this instant (exclusive), business time.' })
  to?: Date | null;
}
