import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload, UserError } from '../../base/errors';
import { SupplyItem } from '../catalog/supply-item.entity';
import { Establishment } from '../registry/establishment.entity';
import { CpmSubmissionKeyInput, CpmSubmissionReturnInput, CpmSubmissionUpdateInput } from './cpm.inputs';
import * as cpm from './cpm.service';
import { CpmCalculation, CpmSubmission, CpmSubmissionLine } from './cpm.types';

@ArgsType()
class CpmCalculationArgs {
  @Field()
  clues: string;

  @Field()
  clave: string;

  @Field({ description: 'YYYY-MM: the CPM for this month, from the months before it.' })
  month: string;

  @Field(() => Int, { nullable: true, description: 'Months looked at (3–12, default 6).' })
  lookbackMonths?: number | null;

  @Field(() => [String], { nullable: true, description: 'Months (YYYY-MM) to leave out, e.g. a month of a known anomaly.' })
  excludeMonths?: string[] | null;
}

@ObjectType()
class CpmSubmissionPayload {
  @Field(() => CpmSubmission, { nullable: true })
  submission: CpmSubmission | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@Resolver(() => CpmSubmission)
export class CpmResolver {
  @Authorized(Roles.anyone)
  @Query(() => CpmCalculation, { description: 'The CPM of one clave at one CLUES, computed now from the ledger, with every input (SPEC §4).' })
  cpmCalculation(@Args() args: CpmCalculationArgs, @Ctx() ctx: Context) {
    return cpm.cpmCalculation(ctx, args);
  }

  @Authorized(Roles.anyone)
  @Query(() => CpmSubmission, { nullable: true, description: 'The CPM an establishment submitted for a fiscal year, with its lines and history.' })
  cpmSubmission(@Arg('clues') clues: string, @Arg('year', () => Int) year: number, @Ctx() ctx: Context) {
    return cpm.submissionFor(ctx, clues, year);
  }

  @Authorized(Roles.cpmEditors)
  @Mutation(() => CpmSubmissionPayload, { description: 'Proposes the year’s CPM from the calculation (again, until ratified).' })
  cpmSubmissionPropose(@Arg('input') input: CpmSubmissionKeyInput, @Ctx() ctx: Context) {
    return payload('submission', () => cpm.propose(ctx, input));
  }

  @Authorized(Roles.cpmEditors)
  @Mutation(() => CpmSubmissionPayload, { description: 'Edits lines of a proposal; a value more than 50 % from the calculation needs a justification.' })
  cpmSubmissionUpdate(@Arg('input') input: CpmSubmissionUpdateInput, @Ctx() ctx: Context) {
    return payload('submission', () => cpm.update(ctx, input));
  }

  @Authorized(Roles.cpmEditors)
  @Mutation(() => CpmSubmissionPayload, { description: 'Ratifies the year’s CPM (the unit’s own user, or CENTRAL); it is frozen until returned.' })
  cpmSubmissionRatify(@Arg('input') input: CpmSubmissionKeyInput, @Ctx() ctx: Context) {
    return payload('submission', () => cpm.ratify(ctx, input));
  }

  @Authorized(Roles.national)
  @Mutation(() => CpmSubmissionPayload, { description: 'Returns a submission to the unit for changes, with a reason (CENTRAL).' })
  cpmSubmissionReturn(@Arg('input') input: CpmSubmissionReturnInput, @Ctx() ctx: Context) {
    return payload('submission', () => cpm.returnSubmission(ctx, input));
  }

  @FieldResolver(() => Establishment, { description: 'The establishment whose CPM it is (its CLUES is clues).' })
  async establishment(@Root() s: CpmSubmission, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentByClues.load(s.clues))!;
  }
}

@Resolver(() => CpmSubmissionLine)
export class CpmSubmissionLineResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() l: CpmSubmissionLine, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemByClave.load(l.clave))!;
  }
}
