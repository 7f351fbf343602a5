import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../domain/enums';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType, PageArgs } from '../../base/relay';
import { SupplyItem } from '../catalog/supply-item.entity';
import * as orders from './order.service';
import * as shipments from './shipment.service';
import { receiveShipment } from './shipment-receipt';
import { shipmentPayload } from './shipment.resolver';
import { OrderUpdateInput } from './order.inputs';
import { Order, OrderApproveInput, OrderCreateInput, OrderEndInput, OrderFilter, OrderLine, OrderNumberInput, OrderPayload, Shipment, ShipmentPayload, SuggestedOrderLine } from './order.types';
import { ShipmentDispatchInput, ShipmentReceiveInput } from './shipment.inputs';

export const OrderConnection = connectionType('Order', Order);

@ArgsType()
class OrdersArgs extends PageArgs {
  @Field(() => OrderFilter, { nullable: true })
  filter?: OrderFilter | null;
}

const ORDER_ACTORS = [Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR, Role.WAREHOUSE, Role.PHARMACY];

@Resolver()
export class OrderResolver {
  @Authorized(Roles.anyone)
  @Query(() => Order, { nullable: true, description: 'One order by number (in the caller’s scope: requesting or supplying side).' })
  order(@Arg('number') number: string, @Ctx() ctx: Context) {
    return orders.orderFor(ctx, number);
  }

  @Authorized(Roles.anyone)
  @Query(() => OrderConnection, { description: 'Orders in number order; outside national roles, those the caller’s scope requests or supplies.' })
  orders(@Args() args: OrdersArgs, @Ctx() ctx: Context) {
    return orders.listOrders(ctx, args.filter, args);
  }

  @Authorized(Roles.anyone)
  @Query(() => Shipment, { nullable: true, description: 'One shipment (remisión) by number.' })
  shipment(@Arg('number') number: string, @Ctx() ctx: Context) {
    return shipments.shipmentFor(ctx, number);
  }

  @Authorized(Roles.anyone)
  @Query(() => [SuggestedOrderLine], { description: 'Suggested replenishment per clave (SPEC §4), for claves with a CPM in force.' })
  suggestedOrder(@Arg('clues') clues: string, @Ctx() ctx: Context) {
    return orders.suggestedOrder(ctx, clues);
  }

  @Authorized(ORDER_ACTORS)
  @Mutation(() => OrderPayload, { description: 'Creates an order as DRAFT.' })
  orderCreate(@Arg('input') input: OrderCreateInput, @Ctx() ctx: Context) {
    return payload('order', () => orders.create(ctx, input));
  }

  @Authorized(ORDER_ACTORS)
  @Mutation(() => OrderPayload, { description: 'Sets, changes or takes off lines of a DRAFT order (its requester), checked as orderCreate checks them.' })
  orderUpdate(@Arg('input') input: OrderUpdateInput, @Ctx() ctx: Context) {
    return payload('order', () => orders.update(ctx, input));
  }

  @Authorized(ORDER_ACTORS)
  @Mutation(() => OrderPayload, { description: 'DRAFT → SUBMITTED.' })
  orderSubmit(@Arg('input') input: OrderNumberInput, @Ctx() ctx: Context) {
    return payload('order', () => orders.submit(ctx, input));
  }

  @Authorized([Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR])
  @Mutation(() => OrderPayload, { description: 'SUBMITTED → APPROVED (emitida), optionally cutting quantities.' })
  orderApprove(@Arg('input') input: OrderApproveInput, @Ctx() ctx: Context) {
    return payload('order', () => orders.approve(ctx, input));
  }

  @Authorized(ORDER_ACTORS)
  @Mutation(() => OrderPayload, { description: 'Cancels an order nothing was sent against.' })
  orderCancel(@Arg('input') input: OrderEndInput, @Ctx() ctx: Context) {
    return payload('order', () => orders.cancel(ctx, input));
  }

  @Authorized([Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR])
  @Mutation(() => OrderPayload, { description: 'Short-closes an approved order, with a reason.' })
  orderClose(@Arg('input') input: OrderEndInput, @Ctx() ctx: Context) {
    return payload('order', () => orders.close(ctx, input));
  }

  @Authorized([Role.ADMIN, Role.WAREHOUSE, Role.PHARMACY])
  @Mutation(() => ShipmentPayload, {
    description: 'Dispatches pieces against an approved order, by the supplying CLUES’s own user (its warehouse; the sending unit of a redistribution).',
  })
  shipmentDispatch(@Arg('input') input: ShipmentDispatchInput, @Ctx() ctx: Context) {
    return shipmentPayload(() => shipments.dispatch(ctx, input));
  }

  @Authorized([Role.ADMIN, Role.WAREHOUSE, Role.PHARMACY])
  @Mutation(() => ShipmentPayload, { description: 'Receives a shipment at the requesting CLUES.' })
  shipmentReceive(@Arg('input') input: ShipmentReceiveInput, @Ctx() ctx: Context) {
    return shipmentPayload(() => receiveShipment(ctx, input));
  }
}

@Resolver(() => OrderLine)
export class OrderLineResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() l: OrderLine, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemByClave.load(l.clave))!;
  }
}
