import { ArgsType, Field, InputType, ObjectType } from 'type-graphql';
import { z } from 'zod';
import { EstablishmentKind, LevelOfCare, SaiStatus, WarehouseTier } from '../../domain/enums';
import { UserError } from '../../base/errors';
import { PageArgs } from '../../base/relay';
import { DateScalar } from '../../base/scalars';
import { calendarDateField, cluesField, pastOrTodayDate, stateCodeField, text } from '../../base/validation';
import { Establishment } from './establishment.entity';
import { Warehouse } from './warehouse.entity';

@InputType({ description: 'Which establishments to list; every filter given must hold.' })
export class EstablishmentFilter {
  @Field(() => [String], { nullable: true, description: 'INEGI state codes, e.g. ["09", "12"].' })
  stateCodes?: string[] | null;

  @Field(() => [EstablishmentKind], { nullable: true })
  kinds?: EstablishmentKind[] | null;

  @Field(() => [LevelOfCare], { nullable: true })
  levelsOfCare?: LevelOfCare[] | null;

  @Field(() => Boolean, { nullable: true })
  inNetwork?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  operating?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Part of the name or CLUES; case and accents ignored.' })
  search?: string | null;
}

@ArgsType()
export class EstablishmentsArgs extends PageArgs {
  @Field(() => EstablishmentFilter, { nullable: true })
  filter?: EstablishmentFilter | null;
}

@ArgsType()
export class WarehousesArgs extends PageArgs {
  @Field(() => [String], { nullable: true, description: 'INEGI state codes of the warehouses.' })
  stateCodes?: string[] | null;
}

@InputType({ description: 'Creates or updates one CLUES. Fields left out keep their value; null clears a nullable field.' })
export class EstablishmentUpsertInput {
  @Field()
  clues: string;

  @Field(() => String, { nullable: true, description: 'Required when creating.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'INEGI code; must be the state of the CLUES prefix (derived from it when left out).' })
  stateCode?: string | null;

  @Field(() => String, { nullable: true })
  municipality?: string | null;

  @Field(() => String, { nullable: true })
  jurisdiction?: string | null;

  @Field(() => EstablishmentKind, { nullable: true, description: 'Required when creating.' })
  kind?: EstablishmentKind | null;

  @Field(() => LevelOfCare, { nullable: true })
  levelOfCare?: LevelOfCare | null;

  @Field(() => String, { nullable: true })
  typologyCode?: string | null;

  @Field(() => String, { nullable: true })
  typologyName?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true when creating.' })
  operating?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true when creating.' })
  inNetwork?: boolean | null;

  @Field(() => DateScalar, { nullable: true, description: "Default: the state's federalization date." })
  inNetworkSince?: string | null;

  @Field(() => String, { nullable: true, description: 'CLUES of the warehouse that supplies it; null removes the route.' })
  supplyingWarehouseClues?: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Day a change of `operating` or `inNetwork` takes effect (default today); indicators read the status as of a date.',
  })
  statusEffectiveOn?: string | null;
}

const nullableText = (max: number) => z.string().trim().max(max).nullable().optional();

export const EstablishmentUpsertSchema = z.object({
  clues: cluesField,
  name: text(250).optional().nullable(),
  stateCode: stateCodeField.optional().nullable(),
  municipality: nullableText(250),
  jurisdiction: nullableText(250),
  kind: z.nativeEnum(EstablishmentKind).optional().nullable(),
  levelOfCare: z.nativeEnum(LevelOfCare).optional().nullable(),
  typologyCode: nullableText(20),
  typologyName: nullableText(250),
  operating: z.boolean().optional().nullable(),
  inNetwork: z.boolean().optional().nullable(),
  inNetworkSince: calendarDateField.optional().nullable(),
  supplyingWarehouseClues: cluesField.optional().nullable(),
  statusEffectiveOn: pastOrTodayDate.optional().nullable(),
});

@ObjectType()
export class EstablishmentUpsertPayload {
  @Field(() => Establishment, { nullable: true })
  establishment: Establishment | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType({ description: 'Makes an establishment a warehouse (almacén) of a tier, or changes its tier.' })
export class WarehouseUpsertInput {
  @Field()
  clues: string;

  @Field(() => WarehouseTier)
  tier: WarehouseTier;
}

export const WarehouseUpsertSchema = z.object({ clues: cluesField, tier: z.nativeEnum(WarehouseTier) });

@ObjectType()
export class WarehouseUpsertPayload {
  @Field(() => Warehouse, { nullable: true })
  warehouse: Warehouse | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType({ description: 'Records the SAI status of an establishment from a date on.' })
export class SaiStatusSetInput {
  @Field()
  clues: string;

  @Field(() => SaiStatus)
  status: SaiStatus;

  @Field(() => DateScalar, { description: 'Day the status takes effect; today or earlier.' })
  effectiveOn: string;
}

export const SaiStatusSetSchema = z.object({ clues: cluesField, status: z.nativeEnum(SaiStatus), effectiveOn: pastOrTodayDate });

@ObjectType()
export class SaiStatusSetPayload {
  @Field(() => Establishment, { nullable: true })
  establishment: Establishment | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}
