import { stateOf } from '../registry/state.entity';
import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType, PageArgs, pageRequest, paginate, textPairKey } from '../../base/relay';
import { SupplyItem } from '../catalog/supply-item.entity';
import { Establishment } from '../registry/establishment.entity';
import { State } from '../registry/state.entity';
import { contractCount, contractPage, createContract } from './contract.service';
import { PlanKey, planCount, planKey, planPage, planRows } from './plan';
import { planFile } from './plan-export';
import { planQueryFor, planRowOf, redistributionFor } from './procurement.service';
import { CONTRACT_READERS, PLAN_READERS, ContractProgress, ExportFile, ExportFormat, ProcurementContract, ProcurementContractCreateInput, ProcurementContractFilter, ProcurementContractPayload, ProcurementPlanRow, RedistributionSuggestion } from './procurement.types';

export const ProcurementPlanConnection = connectionType('ProcurementPlan', ProcurementPlanRow);
export const ProcurementContractConnection = connectionType('ProcurementContract', ProcurementContract);

@ArgsType()
class PlanArgs extends PageArgs {
  @Field(() => Int, { description: 'Fiscal year.' })
  year: number;

  @Field(() => [String], { nullable: true, description: 'Rows per state for these states.' })
  stateCodes?: string[] | null;

  @Field(() => [String], { nullable: true })
  claves?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Rows per state and clave (implied by stateCodes); otherwise one national row per clave.' })
  byState?: boolean | null;
}

@ArgsType()
class PlanExportArgs {
  @Field(() => Int)
  year: number;

  @Field(() => ExportFormat)
  format: ExportFormat;

  @Field(() => [String], { nullable: true })
  stateCodes?: string[] | null;

  @Field(() => [String], { nullable: true })
  claves?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  byState?: boolean | null;
}

@ArgsType()
class ContractsArgs extends PageArgs {
  @Field(() => ProcurementContractFilter, { nullable: true })
  filter?: ProcurementContractFilter | null;
}

@Resolver(() => ProcurementPlanRow)
export class ProcurementResolver {
  @Authorized(PLAN_READERS)
  @Query(() => ProcurementPlanConnection, { description: 'What the network should buy in a fiscal year, per clave (and per state), from the CPM (SPEC §4).' })
  procurementPlan(@Args() args: PlanArgs, @Ctx() ctx: Context) {
    const q = planQueryFor(ctx, args);
    return paginate(
      pageRequest<PlanKey>(args, textPairKey),
      (after, limit) => planPage(ctx.db, q, after, limit).then((rows) => rows.map((r) => planRowOf(q, r))),
      planKey,
      () => planCount(ctx.db, q),
    );
  }

  @Authorized(PLAN_READERS)
  @Query(() => ExportFile, { description: 'The procurement plan as a CSV or XLSX file (Spanish column names, a total per state and a national total).' })
  async procurementPlanExport(@Args() args: PlanExportArgs, @Ctx() ctx: Context): Promise<ExportFile> {
    const q = planQueryFor(ctx, args);
    const rows = await planRows(ctx.db, q);
    const file = await planFile(rows, q, args.format);
    return { filename: file.filename, mimeType: file.mimeType, rows: rows.length, contentBase64: file.content.toString('base64') };
  }

  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() r: ProcurementPlanRow, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemById.load(r.supplyItemId))!;
  }

  @FieldResolver(() => State, { nullable: true, description: 'The state of a per-state row; null nationally.' })
  state(@Root() r: ProcurementPlanRow): State | null {
    return r.stateCode ? stateOf(r.stateCode) : null;
  }
}

@Resolver(() => ProcurementContract)
export class ProcurementContractResolver {
  @Authorized(CONTRACT_READERS)
  @Query(() => ProcurementContractConnection, { description: 'Open contracts in number order.' })
  procurementContracts(@Args() args: ContractsArgs, @Ctx() ctx: Context) {
    return paginate(
      pageRequest<string>(args),
      (after, limit) => contractPage(ctx.db, args.filter, after, limit),
      (c) => c.number,
      () => contractCount(ctx.db, args.filter),
    );
  }

  @Authorized(Roles.national)
  @Mutation(() => ProcurementContractPayload, { description: 'Registers an open contract: minimum at least the configured share (40 %) of the maximum.' })
  procurementContractCreate(@Arg('input') input: ProcurementContractCreateInput, @Ctx() ctx: Context) {
    return payload('contract', () => createContract(ctx, input));
  }

  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() c: ProcurementContract, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemById.load(c.supplyItemId))!;
  }

  @FieldResolver(() => State, { nullable: true, description: 'The state it supplies; null for a national contract.' })
  state(@Root() c: ProcurementContract): State | null {
    return c.stateCode ? stateOf(c.stateCode) : null;
  }

  @FieldResolver(() => ContractProgress)
  progress(@Root() c: ProcurementContract, @Ctx() ctx: Context): Promise<ContractProgress> {
    return ctx.loaders.contractProgress.load(c);
  }
}

@Resolver(() => RedistributionSuggestion)
export class RedistributionResolver {
  @Authorized(PLAN_READERS)
  @Query(() => [RedistributionSuggestion], {
    description: 'Where to move stock at risk of expiry or overstocked (high-cost claves, or the clave named), inside the state first (SPEC §4).',
  })
  async redistributionSuggestions(
    @Ctx() ctx: Context,
    @Arg('clave', () => String, { nullable: true }) clave?: string | null,
    @Arg('stateCode', () => String, { nullable: true }) stateCode?: string | null,
  ): Promise<RedistributionSuggestion[]> {
    return redistributionFor(ctx, clave, stateCode);
  }

  @FieldResolver(() => Establishment)
  async from(@Root() s: RedistributionSuggestion, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentById.load(s.fromId))!;
  }

  @FieldResolver(() => Establishment)
  async to(@Root() s: RedistributionSuggestion, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentById.load(s.toId))!;
  }

  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() s: RedistributionSuggestion, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemById.load(s.supplyItemId))!;
  }
}
