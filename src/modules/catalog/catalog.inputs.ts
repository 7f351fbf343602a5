import { ArgsType, Field, InputType, Int, ObjectType } from 'type-graphql';
import { z } from 'zod';
import { LevelOfCare, SupplyKind } from '../../domain/enums';
import { ErrorCode, UserError } from '../../base/errors';
import { gtinProblemMessage, normalizeGtin } from '../../domain/gtin';
import { PageArgs } from '../../base/relay';
import { claveField, text } from '../../base/validation';
import { CATALOGUE_TEXT_LIMITS } from '../../domain/clave';
import { SupplyItem } from './supply-item.entity';

@InputType({ description: 'Which claves to list; every filter given must hold.' })
export class SupplyItemFilter {
  @Field(() => [String], { nullable: true })
  claves?: string[] | null;

  @Field(() => [SupplyKind], { nullable: true })
  kinds?: SupplyKind[] | null;

  @Field(() => Boolean, { nullable: true })
  highCost?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  coldChain?: boolean | null;

  @Field(() => LevelOfCare, { nullable: true, description: 'Only claves authorised for this level of care.' })
  authorizedFor?: LevelOfCare | null;

  @Field(() => Int, { nullable: true, description: 'Only claves authorised in this year.' })
  authorizedInYear?: number | null;

  @Field(() => String, { nullable: true, description: 'Part of the clave or description; case and accents ignored.' })
  search?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The clave a GTIN (8, 12, 13 or 14 digits, as scanned) is linked to; none when it is linked to none. A GTIN with a wrong check digit is refused (INVALID_GTIN).',
  })
  gtin?: string | null;
}

@ArgsType()
export class SupplyItemsArgs extends PageArgs {
  @Field(() => SupplyItemFilter, { nullable: true })
  filter?: SupplyItemFilter | null;
}

@InputType({ description: 'Creates or updates one clave. Fields left out keep their value.' })
export class SupplyItemUpsertInput {
  @Field()
  clave: string;

  @Field(() => String, { nullable: true, description: 'Required when creating.' })
  description?: string | null;

  @Field(() => SupplyKind, { nullable: true, description: 'Required when creating.' })
  kind?: SupplyKind | null;

  @Field(() => String, { nullable: true })
  presentation?: string | null;

  @Field(() => Int, { nullable: true, description: 'Default 1 when creating.' })
  piecesPerPackage?: number | null;

  @Field(() => Boolean, { nullable: true })
  highCost?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  coldChain?: boolean | null;

  @Field(() => [LevelOfCare], { nullable: true })
  authorizedLevels?: LevelOfCare[] | null;

  @Field(() => [String], { nullable: true, description: 'DGIS typology codes (CLAVE DE TIPOLOGIA) of the registry, e.g. ["CSR"]: the clave is authorised there besides its levels.' })
  authorizedTypologies?: string[] | null;

  @Field(() => Int, { nullable: true })
  authorizedFromYear?: number | null;

  @Field(() => Int, { nullable: true })
  authorizedToYear?: number | null;
}

const year = z.number().int().min(1990).max(2200);

export const SupplyItemUpsertSchema = z.object({
  clave: claveField,
  description: text(CATALOGUE_TEXT_LIMITS.description).optional().nullable(),
  kind: z.nativeEnum(SupplyKind).optional().nullable(),
  presentation: z.string().trim().max(CATALOGUE_TEXT_LIMITS.presentation).optional().nullable(),
  piecesPerPackage: z.number().int().min(1).max(1_000_000).optional().nullable(),
  highCost: z.boolean().optional().nullable(),
  coldChain: z.boolean().optional().nullable(),
  authorizedLevels: z.array(z.nativeEnum(LevelOfCare)).max(3).optional().nullable(),
  authorizedTypologies: z
    .array(z.string().trim().toUpperCase().min(1).max(20))
    .max(200)
    .transform((codes) => [...new Set(codes)].sort())
    .optional()
    .nullable(),
  authorizedFromYear: year.optional().nullable(),
  authorizedToYear: year.optional().nullable(),
});

@ObjectType()
export class SupplyItemUpsertPayload {
  @Field(() => SupplyItem, { nullable: true })
  supplyItem: SupplyItem | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType({ description: 'Links a GTIN (the product code of a GS1 barcode) to its clave, once: scans of it then find the clave.' })
export class SupplyItemGtinLinkInput {
  @Field()
  clave: string;

  @Field({ description: 'GTIN-8, -12, -13 or -14 with its check digit; stored in the 14-digit form.' })
  gtin: string;
}

export const SupplyItemGtinLinkSchema = z.object({
  clave: claveField,
  gtin: z
    .string()
    .max(40, 'GTIN demasiado largo: tiene a lo más 14 dígitos.')
    .transform((v, c) => {
      const parsed = normalizeGtin(v.trim());
      if (parsed.ok) return parsed.gtin;
      c.addIssue({ code: 'custom', params: { code: ErrorCode.INVALID_GTIN }, message: gtinProblemMessage(parsed.problem, v.trim()) });
      return z.NEVER;
    }),
});

@ObjectType()
export class SupplyItemGtinLinkPayload {
  @Field(() => SupplyItem, { nullable: true, description: 'The clave, with the GTIN among its gtins.' })
  supplyItem: SupplyItem | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}
