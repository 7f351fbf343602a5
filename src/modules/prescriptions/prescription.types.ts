import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { z } from 'zod';
import { UserError } from '../../base/errors';
import { Node, toGlobalId } from '../../base/node';
import { DateScalar } from '../../base/scalars';
import { claveField, cluesField, identifier, idempotencyKeyField, lotNumberField, pastOrTodayDate } from '../../base/validation';

/** A prescription (receta) and what the pharmacy dispensed of it: the base of PRESCRIPTION_COMPLETE_FILL. */

export enum PrescriptionFill {
  COMPLETE = 'COMPLETE',
  PARTIAL = 'PARTIAL',
  NOT_FILLED = 'NOT_FILLED',
}
registerEnumType(PrescriptionFill, { name: 'PrescriptionFill', description: 'COMPLETE: every line in full; NOT_FILLED: nothing dispensed; PARTIAL otherwise.' });

@ObjectType({ description: 'Pieces of one lot handed over for a prescription line.' })
export class DispensedLot {
  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => Int)
  quantity: number;
}

@ObjectType()
export class PrescriptionLine {
  @Field()
  clave: string;

  @Field(() => Int)
  prescribed: number;

  @Field(() => Int)
  dispensed: number;

  @Field(() => [DispensedLot], { description: 'The lots the dispensed pieces came from (FEFO, or the lot named), from the ledger; net of reversals.' })
  lots: DispensedLot[];
}

@ObjectType({ implements: Node, description: 'A prescription (receta) dispensed at a pharmacy.' })
export class Prescription implements Node {
  pk: number;

  @Field(() => ID)
  get id(): string {
    return toGlobalId('Prescription', this.pk);
  }

  @Field()
  clues: string;

  @Field()
  folio: string;

  @Field(() => DateScalar)
  issuedOn: string;

  @Field(() => [PrescriptionLine])
  lines: PrescriptionLine[];

  @Field(() => PrescriptionFill)
  get fill(): PrescriptionFill {
    if (this.lines.every((l) => l.dispensed >= l.prescribed)) return PrescriptionFill.COMPLETE;
    return this.lines.some((l) => l.dispensed > 0) ? PrescriptionFill.PARTIAL : PrescriptionFill.NOT_FILLED;
  }
}

@InputType()
export class PrescriptionLineInput {
  @Field()
  clave: string;

  @Field(() => Int)
  prescribed: number;

  @Field(() => Int, { description: 'Pieces handed over now (0 when there are none); FEFO lots unless lotNumber names one.' })
  dispensed: number;

  @Field({ nullable: true, description: 'The lot the pieces are taken from (the one in the pharmacist’s hand); left out, the lot that expires first (FEFO).' })
  lotNumber?: string;
}

@InputType({ description: 'Records a prescription and dispenses it from the lots that expire first.' })
export class PrescriptionDispenseInput {
  @Field()
  idempotencyKey: string;

  @Field()
  clues: string;

  @Field()
  folio: string;

  @Field(() => DateScalar)
  issuedOn: string;

  @Field(() => [PrescriptionLineInput])
  lines: PrescriptionLineInput[];
}

export const PrescriptionDispenseSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  clues: cluesField,
  folio: identifier(40),
  issuedOn: pastOrTodayDate,
  lines: z
    .array(z.object({
        clave: claveField,
        prescribed: z.number().int().min(1).max(100_000),
        dispensed: z.number().int().min(0).max(100_000),
        lotNumber: lotNumberField.nullish(),
      }))
    .min(1)
    .max(100),
});

@ObjectType()
export class PrescriptionPayload {
  @Field(() => Prescription, { nullable: true })
  prescription: Prescription | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}
