import { Field, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { ErrorCode } from '../../base/errors';
import { businessInstant, claveField, idempotencyKeyField, lotNumberField, piecesField } from '../../base/validation';
import { DateTimeScalar, RejectionReason } from '../stock/stock.types';
import { ShipmentStatus } from './order.types';

/** What a shipment (remisión) takes: dispatching, receiving, and which a list shows. Each input with its zod schema under it. */

@InputType()
export class ShipmentDispatchLineInput {
  @Field()
  clave: string;

  @Field(() => Int)
  quantity: number;

  @Field(() => String, { nullable: true, description: 'Leave out for FEFO.' })
  lotNumber?: string | null;
}

@InputType({ description: 'Sends pieces against an approved order from its supplying warehouse.' })
export class ShipmentDispatchInput {
  @Field()
  idempotencyKey: string;

  @Field()
  orderNumber: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the shipment left; defaults to now, may be back-dated (not before the approval), never in the future.' })
  dispatchedAt?: Date | null;

  @Field(() => [ShipmentDispatchLineInput], { nullable: true, description: 'What to send; left out (or with fromAvailable), the approved remainder of every line as far as usable stock allows.' })
  lines?: ShipmentDispatchLineInput[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Send the approved remainder of every line as far as usable stock allows, FEFO (the default when no lines are given); the payload’s leftBehind says what stayed and why.',
  })
  fromAvailable?: boolean | null;
}

export const ShipmentDispatchSchema = z
  .object({
    idempotencyKey: idempotencyKeyField,
    orderNumber: z.string().trim().min(1).max(40),
    dispatchedAt: businessInstant,
    lines: z.array(z.object({ clave: claveField, quantity: piecesField, lotNumber: lotNumberField.nullish() })).max(1000).nullish(),
    fromAvailable: z.boolean().nullish(),
  })
  .superRefine((i, c) => {
    if (i.fromAvailable && i.lines?.length) {
      c.addIssue({ code: 'custom', path: ['fromAvailable'], params: { code: ErrorCode.INCONSISTENT }, message: 'Envíe las líneas o fromAvailable, no ambas.' });
    }
    // only lines left out (or fromAvailable: true) mean "what is available": an empty list is a client's
    // mistake, and sending everything for it would fail open
    if ((i.fromAvailable === false && !i.lines?.length) || (i.lines && i.lines.length === 0)) {
      c.addIssue({ code: 'custom', path: ['lines'], params: { code: ErrorCode.REQUIRED }, message: 'Indique las líneas a enviar, o fromAvailable: true para enviar lo disponible.' });
    }
  })
  .transform((i) => ({ ...i, lines: i.lines?.length ? i.lines : null }));

@InputType()
export class ShipmentReceiveLineInput {
  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => Int)
  acceptedQuantity: number;

  @Field(() => Int, { nullable: true })
  rejectedQuantity?: number | null;

  @Field(() => RejectionReason, { nullable: true })
  rejectionReason?: RejectionReason | null;
}

@InputType({ description: 'Receives a shipment at the requesting CLUES: every shipped lot, accepted + rejected = shipped.' })
export class ShipmentReceiveInput {
  @Field()
  idempotencyKey: string;

  @Field()
  shipmentNumber: string;

  @Field(() => DateTimeScalar, { nullable: true })
  receivedAt?: Date | null;

  @Field(() => [ShipmentReceiveLineInput], { nullable: true, description: 'Every shipped lot; with acceptAllAsShipped, only the lots with differences.' })
  lines?: ShipmentReceiveLineInput[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Receipt by exception: every shipped lot not in `lines` is accepted as shipped; `lines` names only the lots with differences (accepted + rejected = shipped; rejectedQuantity may be left out: what was not accepted is rejected, with its reason).',
  })
  acceptAllAsShipped?: boolean | null;
}

export const ShipmentReceiveSchema = z
  .object({
    idempotencyKey: idempotencyKeyField,
    shipmentNumber: z.string().trim().min(1).max(40),
    receivedAt: businessInstant,
    lines: z
      .array(
        z.object({
          clave: claveField,
          lotNumber: lotNumberField,
          acceptedQuantity: z.number().int().min(0).max(100_000_000),
          // Left out: 0, or with acceptAllAsShipped what was shipped and not accepted (the use case knows the shipment).
          rejectedQuantity: z.number().int().min(0).max(100_000_000).nullish().transform((v) => v ?? null),
          rejectionReason: z.nativeEnum(RejectionReason).nullish(),
        }),
      )
      .max(1000)
      .nullish()
      .transform((v) => v ?? []),
    acceptAllAsShipped: z.boolean().nullish().transform((v) => v ?? false),
  })
  .superRefine((i, c) => {
    if (!i.acceptAllAsShipped && !i.lines.length) {
      c.addIssue({ code: 'custom', path: ['lines'], params: { code: ErrorCode.REQUIRED }, message: 'Indique cada lote recibido, o acceptAllAsShipped: true y solo los lotes con diferencias.' });
    }
  });

@InputType({ description: 'Which shipments (remisiones) a list shows; always within the caller’s scope.' })
export class ShipmentFilter {
  @Field(() => String, { nullable: true, description: 'CLUES the shipments go to (the order’s requesting CLUES).' })
  toClues?: string | null;

  @Field(() => String, { nullable: true, description: 'CLUES the shipments leave from (the order’s supplying CLUES).' })
  fromClues?: string | null;

  @Field(() => [ShipmentStatus], { nullable: true, description: 'e.g. [IN_TRANSIT]: what is on its way.' })
  statuses?: ShipmentStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Shipments against this order.' })
  orderNumber?: string | null;
}
