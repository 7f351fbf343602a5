import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../domain/enums';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType, PageArgs, pageRequest, paginate } from '../../base/relay';
import { SupplyItem } from '../catalog/supply-item.entity';
import { ordersWhere } from './order.queries';
import * as orders from './order.service';
import {
  Order,
  OrderApproveInput,
  OrderCreateInput,
  OrderEndInput,
  OrderKind,
  OrderLine,
  OrderNumberInput,
  OrderPayload,
  OrderStatus,
  Shipment,
  ShipmentDispatchInput,
  ShipmentPayload,
  ShipmentReceiveInput,
  SuggestedOrderLine,
} from './order.types';

export const OrderConnection = connectionType('Order', Order);

@InputType()
class OrderFilter {
  @Field(() => [OrderStatus], { nullable: true })
  statuses?: OrderStatus[] | null;

  @Field(() => [OrderKind], { nullable: true })
  kinds?: OrderKind[] | null;

  @Field(() => String, { nullable: true })
  requestingClues?: string | null;

  @Field(() => String, { nullable: true })
  supplyingClues?: string | null;
}

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
    const v = viewerOf(ctx);
    const f = args.filter ?? {};
    // Outside national roles, only orders the caller's state or CLUES requests or supplies.
    const params: unknown[] = [
      f.statuses ?? null,
      f.kinds ?? null,
      f.requestingClues?.trim().toUpperCase() ?? null,
      f.supplyingClues?.trim().toUpperCase() ?? null,
      v.national ? null : v.stateCode,
      v.national ? null : v.clues,
    ];
    const where = `($1::text[] IS NULL OR o.status = ANY ($1)) AND ($2::text[] IS NULL OR o.kind = ANY ($2))
      AND ($3::text IS NULL OR r.clues = $3) AND ($4::text IS NULL OR s.clues = $4)
      AND (($5::text IS NULL AND $6::text IS NULL) OR r.state_code = $5 OR s.state_code = $5 OR r.clues = $6 OR s.clues = $6)`;
    return paginate(
      pageRequest<string>(args),
      (after, limit) => ordersWhere(ctx.db, `${where} AND ($7::text IS NULL OR o.number > $7) ORDER BY o.number LIMIT $8`, [...params, after ?? null, limit]),
      (o) => o.number,
      async () => {
        const [{ n }] = await ctx.db.query(
          `SELECT count(*)::int AS n FROM supply_order o JOIN establishment r ON r.id = o.requesting_id LEFT JOIN establishment s ON s.id = o.supplying_id WHERE ${where}`,
          params,
        );
        return n;
      },
    );
  }

  @Authorized(Roles.anyone)
  @Query(() => Shipment, { nullable: true, description: 'One shipment (remisión) by number.' })
  shipment(@Arg('number') number: string, @Ctx() ctx: Context) {
    return orders.shipmentFor(ctx, number);
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
    return payload('shipment', () => orders.dispatch(ctx, input));
  }

  @Authorized([Role.ADMIN, Role.WAREHOUSE, Role.PHARMACY])
  @Mutation(() => ShipmentPayload, { description: 'Receives a shipment at the requesting CLUES.' })
  shipmentReceive(@Arg('input') input: ShipmentReceiveInput, @Ctx() ctx: Context) {
    return payload('shipment', () => orders.receiveShipment(ctx, input));
  }
}

@Resolver(() => OrderLine)
export class OrderLineResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() l: OrderLine, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemByClave.load(l.clave))!;
  }
}
