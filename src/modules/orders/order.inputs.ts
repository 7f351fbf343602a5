import { Field, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { ErrorCode } from '../../base/errors';
import { claveField } from '../../base/validation';

/** Inputs of the order module added since its first types (order.types.ts), each with its zod schema under it. */

@InputType({ description: 'A line to set, change or take off a DRAFT order.' })
export class OrderUpdateLineInput {
  @Field()
  clave: string;

  @Field(() => Int, { nullable: true, description: 'Pieces to ask for (replaces what the line asked); 0 takes the clave off the order.' })
  quantity?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Takes the clave off the order (the same as quantity 0).' })
  remove?: boolean | null;
}

@InputType({ description: 'Changes a DRAFT order’s lines: claves not named keep theirs; a new clave is added; quantity 0 or remove takes one off.' })
export class OrderUpdateInput {
  @Field()
  number: string;

  @Field(() => [OrderUpdateLineInput])
  lines: OrderUpdateLineInput[];
}

export const OrderUpdateSchema = z.object({
  number: z.string().trim().min(1).max(40),
  lines: z
    .array(
      z
        .object({
          clave: claveField,
          quantity: z.number().int().min(0).max(100_000_000).nullish(),
          remove: z.boolean().nullish(),
        })
        .superRefine((l, c) => {
          if (l.quantity == null && !l.remove) {
            c.addIssue({ code: 'custom', path: ['quantity'], params: { code: ErrorCode.REQUIRED }, message: 'Indique las piezas (0 o remove: true para quitar la clave).' });
          }
          if (l.remove && l.quantity) {
            c.addIssue({ code: 'custom', path: ['remove'], params: { code: ErrorCode.INCONSISTENT }, message: 'Una línea que se quita no lleva piezas.' });
          }
        })
        .transform((l) => ({ clave: l.clave, quantity: l.remove ? 0 : l.quantity! })),
    )
    .min(1)
    .max(1000),
});
