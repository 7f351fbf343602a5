import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Context } from '../../base/context';
import { SupplyItem } from '../catalog/supply-item.entity';
import type { SupplierStock } from '../stock/stock.available';
import { OrderLine, SuggestedOrderLine } from './order.types';

/**
 * What the supplying warehouse holds of a line's clave, beside the line (src/modules/stock/stock.available.ts):
 * read through one loader, so a page of orders costs one statement whatever its lines. Shown to whoever may
 * read the order or the suggestion (its requester, its supplier, its approver).
 */
const stockOf = (ctx: Context, supplyingId: number | null, supplyItemId: number): Promise<SupplierStock> | null =>
  supplyingId == null ? null : ctx.loaders.supplierStock.load({ establishmentId: supplyingId, supplyItemId });

const USABLE = 'Usable pieces of the clave at the supplying warehouse today (SPEC §4: lots not expired); null when none supplies it (a purchase).';
const AVAILABLE =
  'What the supplying warehouse can still promise: max(0, usable − pieces approved on its other open orders and not yet dispatched); what orderApprove(capToAvailable) caps to. Null when none supplies it.';

@Resolver(() => OrderLine)
export class OrderLineSupplyResolver {
  @FieldResolver(() => Int, { nullable: true, description: USABLE })
  async supplierUsable(@Root() l: OrderLine, @Ctx() ctx: Context): Promise<number | null> {
    return (await stockOf(ctx, l.supplyingId, l.supplyItemId))?.usable ?? null;
  }

  @FieldResolver(() => Int, { nullable: true, description: AVAILABLE })
  async supplierAvailable(@Root() l: OrderLine, @Ctx() ctx: Context): Promise<number | null> {
    return (await stockOf(ctx, l.supplyingId, l.supplyItemId))?.available ?? null;
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
    return (await stockOf(ctx, l.supplyingId, l.supplyItemId))?.usable ?? null;
  }

  @FieldResolver(() => Int, { nullable: true, description: AVAILABLE })
  async supplierAvailable(@Root() l: SuggestedOrderLine, @Ctx() ctx: Context): Promise<number | null> {
    return (await stockOf(ctx, l.supplyingId, l.supplyItemId))?.available ?? null;
  }
}
