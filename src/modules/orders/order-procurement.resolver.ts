import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload } from '../../base/errors';
import { ProcurementContract, RedistributionOrderInput } from '../procurement/procurement.types';
import { Order, OrderPayload } from './order.types';
import { createRedistributionOrder } from './redistribution-order';

/** Where orders meet procurement: a purchase's contract, and the order a redistribution suggestion becomes. */
@Resolver(() => Order)
export class OrderProcurementResolver {
  @FieldResolver(() => ProcurementContract, { nullable: true, description: 'The open contract a purchase is bought under.' })
  contract(@Root() o: Order, @Ctx() ctx: Context): Promise<ProcurementContract | null> | null {
    return o.contractId ? ctx.loaders.contractById.load(o.contractId) : null;
  }

  @Authorized(Roles.national)
  @Mutation(() => OrderPayload, { description: 'Turns a redistribution suggestion into an approved REPLENISHMENT order between the two CLUES (CENTRAL).' })
  redistributionOrderCreate(@Arg('input') input: RedistributionOrderInput, @Ctx() ctx: Context) {
    return payload('order', () => createRedistributionOrder(ctx, input));
  }
}
