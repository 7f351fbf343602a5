import { ArgsType, Field, InputType, Int, ObjectType } from 'type-graphql';
import { LevelOfCare, SupplyKind } from '../../domain/enums';
import { UserError } from '../../base/errors';
import { PageArgs } from '../../base/relay';
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

  @Field(() => Int, { nullable: true })
  authorizedFromYear?: number | null;

  @Field(() => Int, { nullable: true })
  authorizedToYear?: number | null;
}

@ObjectType()
export class SupplyItemUpsertPayload {
  @Field(() => SupplyItem, { nullable: true })
  supplyItem: SupplyItem | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}
