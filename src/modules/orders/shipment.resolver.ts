import { LotRecallNotice } from '../stock/stock.holds.types';
import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType, PageArgs } from '../../base/relay';
import { ShipmentFilter } from './shipment.inputs';
import { Shipment, ShipmentLine } from './order.types';
import * as shipments from './shipment.service';
import { ShipmentResult } from './shipment.types';

export const ShipmentConnection = connectionType('Shipment', Shipment);

@ArgsType()
class ShipmentsArgs extends PageArgs {
  @Field(() => ShipmentFilter, { nullable: true })
  filter?: ShipmentFilter | null;
}

/** A shipment mutation's payload: the shipment, what stayed behind, the warnings — or the user errors. */
export async function shipmentPayload(work: () => Promise<ShipmentResult>) {
  const p = await payload('result', work);
  return { shipment: p.result?.shipment ?? null, leftBehind: p.result?.leftBehind ?? [], userWarnings: p.result?.warnings ?? [], userErrors: p.userErrors };
}

@Resolver(() => Shipment)
export class ShipmentListResolver {
  @Authorized(Roles.anyone)
  @Query(() => ShipmentConnection, {
    description: 'Shipments (remisiones) in number order, in the caller’s scope: those leaving from or going to its CLUES (its state for a coordinator; all for national roles).',
  })
  shipments(@Args() args: ShipmentsArgs, @Ctx() ctx: Context) {
    return shipments.listShipments(ctx, args.filter, args);
  }

  @FieldResolver(() => [ShipmentLine], { description: 'One line per lot sent.' })
  lines(@Root() s: Shipment, @Ctx() ctx: Context): ShipmentLine[] | Promise<ShipmentLine[]> {
    return s.lines ?? ctx.loaders.shipmentLines.load(s.pk);
  }

  @FieldResolver(() => [LotRecallNotice], { description: 'Lots of the shipment on hold where it goes (alerta sanitaria): the receiving unit may reject them with reason RECALLED.' })
  recalls(@Root() s: Shipment, @Ctx() ctx: Context): Promise<LotRecallNotice[]> {
    return ctx.loaders.shipmentRecalls.load(s.pk);
  }
}
