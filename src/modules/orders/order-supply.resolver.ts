import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Context, viewerOf } from '../../base/context';
import { SupplyItem } from '../catalog/supply-item.entity';
import type { SupplierStock } from '../stock/stock.available';
import { OrderLine, SuggestedOrderLine } from './order.types';

/**
 * What the supplying warehouse holds of a line's clave, beside the line (src/modules/stock/stock.available.ts):
 * read through one loader, so a page of orders costs one statement whatever its lines. A warehouse's stock
 * is a figure below state level: shown only to callers whose scope covers the supplying warehouse (the
 * warehouse itself, its state's coordinator — who approves —, national roles); null for the requesting
 * unit, as `stockLevels` of the warehouse would be FORBIDDEN to it.
 */
const stockOf = (ctx: Context, l: { supplyingId: number | null; supplyingClues: string | null; supplyItemId: number }): Promise<SupplierStock> | null =>
  l.supplyingId == null || l.supplyingClues == null || !viewerOf(ctx).covers(l.supplyingClues)
    ? null
    : ctx.loaders.supplierStock.load({ establishmentId: l.supplyingId, supplyItemId: l.supplyItemId });

const USABLE =
  "Usable pieces of the clave at the supplying warehouse today (SPEC §4: lots not expired); null when none supplies it (a purchase) or the caller's scope does not cover the warehouse.";
const AVAILABLE =
  "What the supplying warehouse can still promise: max(0, usable − pieces approved on its open orders, this one included once approved, and not yet dispatched); what orderApprove(capToAvailable) caps a submitted order to. Null when none supplies it or the caller's scope does not cover the warehouse.";

@Resolver(() => OrderLine)
export class OrderLineSupplyResolver {
  @FieldResolver(() => Int, { nullable: true, description: USABLE })
  async supplierUsable(@Root() l: OrderLine, @Ctx() ctx: Context): Promise<number | null> {
    return (await stockOf(ctx, l))?.usable ?? null;
  }

  @FieldResolver(() => Int, { nullable: true, description: AVAILABLE })
  async supplierAvailable(@Root() l: OrderLine, @Ctx() ctx: Context): Promise<number | null> {
    return (await stockOf(ctx, l))?.available ?? null;
  }
}

@Resolver(() => SuggestedOrderLine)
export class SuggestedOrderLineResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() l: SuggestedOrderLine, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemById.load(l.supplyItemId))!;
  }

  @FieldResolver(() => Int, { nullable: true, description: USABLE })
  async supplierUsable(@Root() l: SuggestedOrderLine, @Ctx() ctx: Context): Promise<number | null> {
    return (await stockOf(ctx, l))?.usable ?? null;
  }

  @FieldResolver(() => Int, { nullable: true, description: AVAILABLE })
  async supplierAvailable(@Root() l: SuggestedOrderLine, @Ctx() ctx: Context): Promise<number | null> {
    return (await stockOf(ctx, l))?.available ?? null;
  }
}
