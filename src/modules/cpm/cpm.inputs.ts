import { Field, InputType, Int } from 'type-graphql';
import { z } from 'zod';
import { FISCAL_YEARS } from '../../domain/dates';
import { claveField, cluesField, text } from '../../base/validation';

/** The inputs of the CPM submission mutations, each with its schema right under it. */

const yearField = z.number().int().min(FISCAL_YEARS.min).max(FISCAL_YEARS.max);

@InputType()
export class CpmSubmissionKeyInput {
  @Field()
  clues: string;

  @Field(() => Int, { description: 'Fiscal year.' })
  year: number;
}

export const CpmSubmissionKeySchema = z.object({ clues: cluesField, year: yearField });

@InputType()
export class CpmSubmissionLineInput {
  @Field()
  clave: string;

  @Field(() => Int, { description: 'Pieces per month.' })
  cpm: number;

  @Field(() => String, { nullable: true, description: 'Required when the value is more than 50 % away from the calculated one.' })
  justification?: string | null;
}

@InputType()
export class CpmSubmissionUpdateInput extends CpmSubmissionKeyInput {
  @Field(() => [CpmSubmissionLineInput])
  lines: CpmSubmissionLineInput[];
}

export const CpmSubmissionUpdateSchema = z.object({
  clues: cluesField,
  year: yearField,
  lines: z
    .array(z.object({ clave: claveField, cpm: z.number().int().min(0).max(100_000_000), justification: z.string().trim().max(1000).nullish() }))
    .min(1)
    .max(5000),
});

@InputType()
export class CpmSubmissionReturnInput extends CpmSubmissionKeyInput {
  @Field({ description: 'Why it is returned (shown to the unit).' })
  reason: string;
}

export const CpmSubmissionReturnSchema = z.object({ clues: cluesField, year: yearField, reason: text(1000) });
