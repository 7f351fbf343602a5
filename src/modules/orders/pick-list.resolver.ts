import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Context } from '../../base/context';
import { SupplyItem } from '../catalog/supply-item.entity';
import { Order } from './order.types';
import { PickList, PickListLine } from './pick-list';
import { orderPickList } from './shipment.service';

@Resolver(() => Order)
export class OrderPickListResolver {
  @FieldResolver(() => PickList, {
    nullable: true,
    description:
      'Which lots to pull from the shelf before dispatching: what shipmentDispatch(fromAvailable) would send now, by the same FEFO plan, and what would stay behind. Only for callers whose scope covers the supplying warehouse (null otherwise, and for a purchase); empty unless the order is APPROVED or PARTIALLY_FULFILLED. One statement per order asked.',
  })
  pickList(@Root() o: Order, @Ctx() ctx: Context): Promise<PickList | null> {
    return orderPickList(ctx, o);
  }
}

@Resolver(() => PickListLine)
export class PickListLineResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() l: PickListLine, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemById.load(l.supplyItemId))!;
  }
}
