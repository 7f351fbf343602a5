import { stateOf } from '../registry/state.entity';
import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { SupplyItem } from '../catalog/supply-item.entity';
import { Establishment } from '../registry/establishment.entity';
import { State } from '../registry/state.entity';
import { Warehouse } from '../registry/warehouse.entity';
import './cpm-ratification';
import './sai-rollout';
import './order-indicators';
import './round-indicators';
import { IndicatorCode, IndicatorDimension, IndicatorFilter, IndicatorResult, IndicatorRow } from './indicator.types';
import { indicator, indicatorDefinition } from './indicators';

@Resolver()
export class IndicatorResolver {
  @Authorized(Roles.anyone)
  @Query(() => IndicatorResult, { description: 'An indicator with numerator, denominator and formula, in total and broken down.' })
  indicator(
    @Arg('code', () => IndicatorCode) code: IndicatorCode,
    @Arg('filter', () => IndicatorFilter, { nullable: true }) filter: IndicatorFilter | null,
    @Arg('groupBy', () => [IndicatorDimension], { nullable: true }) groupBy: IndicatorDimension[] | null,
    @Ctx() ctx: Context,
  ) {
    return indicator(ctx, code, filter, groupBy);
  }

  @Authorized(Roles.anyone)
  @Query(() => [Int], {
    description: 'For an indicator read per fiscal year (CPM_RATIFICATION, indicator 51; choose one with filter.year): the fiscal years with data, newest first. Empty for the others.',
  })
  async indicatorFiscalYears(@Arg('code', () => IndicatorCode) code: IndicatorCode, @Ctx() ctx: Context): Promise<number[]> {
    const def = indicatorDefinition(code);
    return def?.fiscalYears ? def.fiscalYears(ctx.db) : [];
  }
}

@Resolver(() => IndicatorRow)
export class IndicatorRowResolver {
  @FieldResolver(() => State, { nullable: true })
  state(@Root() r: IndicatorRow, @Ctx() ctx: Context) {
    return r.stateCode ? stateOf(r.stateCode) : null;
  }

  @FieldResolver(() => Establishment, { nullable: true })
  establishment(@Root() r: IndicatorRow, @Ctx() ctx: Context) {
    return r.establishmentId ? ctx.loaders.establishmentById.load(r.establishmentId) : null;
  }

  @FieldResolver(() => Warehouse, { nullable: true, description: 'The supplying warehouse (for a purchase, the buying one).' })
  warehouse(@Root() r: IndicatorRow, @Ctx() ctx: Context) {
    return r.warehouseId ? ctx.loaders.warehouseByEstablishmentId.load(r.warehouseId) : null;
  }

  @FieldResolver(() => SupplyItem, { nullable: true })
  supplyItem(@Root() r: IndicatorRow, @Ctx() ctx: Context) {
    return r.supplyItemId ? ctx.loaders.supplyItemById.load(r.supplyItemId) : null;
  }
}
