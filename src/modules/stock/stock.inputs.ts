import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { z } from 'zod';
import { businessDay } from '../../domain/dates';
import { StockStatus } from '../../domain/stock';
import { ErrorCode, UserError } from '../../base/errors';
import { UserWarning } from '../../base/warnings';
import { PageArgs } from '../../base/relay';
import { DateScalar } from '../../base/scalars';
import {
  businessInstant,
  calendarDateField,
  claveField,
  cluesField,
  identifier,
  idempotencyKeyField,
  lotNumberField,
  pastOrTodayDate,
  piecesField,
  text,
} from '../../base/validation';
import { ADJUSTMENT_REASON_LABEL, AdjustmentReason, DateTimeScalar, ReceiptSource, Receipt, RejectionReason, StockLevel, StockMovement } from './stock.types';

/** Each input with its schema right under it: the class is what GraphQL takes, the schema what the use case accepts. */

const KEY = 'Unique per operation: retrying with the same key and input returns the first result and changes nothing.';

/** The most lines one stock mutation takes. */
const MAX_LINES = 500;

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

export const StockReceiveSchema = z.object({
  idempotencyKey: idempotencyKeyField,
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
          lotNumber: lotNumberField,
          expiresOn: calendarDateField.nullish(),
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

/** Reasons that only take pieces out, and those that only put them in. */
const OUT_REASONS = new Set([AdjustmentReason.DAMAGE, AdjustmentReason.LOSS, AdjustmentReason.THEFT, AdjustmentReason.RECALL_RETURN, AdjustmentReason.RECALL_DESTRUCTION]);
const IN_REASONS = new Set([AdjustmentReason.FOUND]);

export const StockAdjustSchema = z
  .object({
    idempotencyKey: idempotencyKeyField,
    clues: cluesField,
    clave: claveField,
    lotNumber: lotNumberField,
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
        message: `Un ajuste por ${ADJUSTMENT_REASON_LABEL[a.reason]} ${OUT_REASONS.has(a.reason) ? 'resta' : 'suma'} piezas: revise el signo.`,
      });
    }
    if (a.reason === AdjustmentReason.OTHER && !a.note) {
      c.addIssue({ code: 'custom', path: ['note'], params: { code: ErrorCode.REQUIRED }, message: 'Explique en la nota el ajuste por otro motivo (OTHER).' });
    }
  });

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

export const StockCountSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  clues: cluesField,
  countedAt: businessInstant,
  document: z.string().trim().min(1).max(100).nullish(),
  lines: z
    .array(z.object({ clave: claveField, lotNumber: lotNumberField, quantity: z.number().int().min(0).max(100_000_000) }))
    .min(1)
    .max(MAX_LINES),
});

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

export const StockConsumeSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  clues: cluesField,
  occurredAt: businessInstant,
  lines: z
    .array(z.object({ clave: claveField, quantity: piecesField, lotNumber: lotNumberField.nullish() }))
    .min(1)
    .max(MAX_LINES),
});

@InputType({ description: 'Takes every lot that has expired by `asOf` out of stock at a location.' })
export class ExpiredWriteOffInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field()
  clues: string;

  @Field(() => DateScalar, { nullable: true, description: 'Lots that expired before this day; default today.' })
  asOf?: string | null;
}

export const ExpiredWriteOffSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  clues: cluesField,
  asOf: pastOrTodayDate.nullish().transform((d) => d ?? businessDay()),
});

@InputType({ description: 'Undoes a movement by writing its opposite (a REVERSAL).' })
export class StockMovementReverseInput {
  @Field({ description: KEY })
  idempotencyKey: string;

  @Field(() => ID)
  movementId: string;

  @Field()
  reason: string;
}

export const StockMovementReverseSchema = z.object({ idempotencyKey: idempotencyKeyField, movementId: z.string().max(200), reason: text(500) });

@ObjectType()
export class StockReceivePayload {
  @Field(() => Receipt, { nullable: true })
  receipt: Receipt | null;

  @Field(() => [StockMovement], { nullable: true })
  movements: StockMovement[] | null;

  @Field(() => [StockLevel], {
    description: 'The stock levels (location × clave) its movements changed, read after the commit: a client cache updates them by id. Empty with user errors.',
  })
  stockLevels: StockLevel[];

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => [UserWarning], { description: 'What is worth knowing about the receipt, applied anyway: LOT_EXPIRES_SOON (under 90 days left), BACKDATED (over 30 days back).' })
  userWarnings: UserWarning[];
}

@ObjectType()
export class StockMovementsPayload {
  @Field(() => [StockMovement], { nullable: true, description: 'The ledger entries the mutation wrote.' })
  movements: StockMovement[] | null;

  @Field(() => [StockLevel], {
    description: 'The stock levels (location × clave) its movements changed, read after the commit: a client cache updates them by id. Empty with user errors.',
  })
  stockLevels: StockLevel[];

  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => [UserWarning], { description: 'What is worth knowing about the input, applied anyway: BACKDATED (a date over 30 days back).' })
  userWarnings: UserWarning[];
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

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      'Also the levels still recorded at the CLUES this one replaced (a re-keyed unit\'s old CLUES), after its own, each with its own clues, CPM and status.',
  })
  includePredecessors?: boolean | null;
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

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Also the movements of the CLUES this one replaced (a re-keyed unit\'s old CLUES), each with its own clues, in the same order.',
  })
  includePredecessors?: boolean | null;
}
