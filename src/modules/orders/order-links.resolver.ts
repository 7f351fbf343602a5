import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Context } from '../../base/context';
import { Establishment } from '../registry/establishment.entity';
import { Order, Shipment } from './order.types';

/**
 * The establishments an order or a shipment names by CLUES, as objects beside the codes: each through the
 * request's establishment loader, so a page of orders costs one statement for all of them.
 */
const establishment = async (ctx: Context, clues: string): Promise<Establishment> => (await ctx.loaders.establishmentByClues.load(clues))!;

@Resolver(() => Order)
export class OrderLinksResolver {
  @FieldResolver(() => Establishment, { description: 'The establishment that asks (its CLUES is requestingClues).' })
  requesting(@Root() o: Order, @Ctx() ctx: Context): Promise<Establishment> {
    return establishment(ctx, o.requestingClues);
  }

  @FieldResolver(() => Establishment, { nullable: true, description: 'The supplying warehouse of a replenishment (its CLUES is supplyingClues); null for a purchase.' })
  supplying(@Root() o: Order, @Ctx() ctx: Context): Promise<Establishment> | null {
    return o.supplyingClues ? establishment(ctx, o.supplyingClues) : null;
  }
}

@Resolver(() => Shipment)
export class ShipmentLinksResolver {
  @FieldResolver(() => Establishment, { description: 'Where the shipment leaves from (its CLUES is fromClues).' })
  from(@Root() s: Shipment, @Ctx() ctx: Context): Promise<Establishment> {
    return establishment(ctx, s.fromClues);
  }

  @FieldResolver(() => Establishment, { description: 'Where the shipment goes (its CLUES is toClues).' })
  to(@Root() s: Shipment, @Ctx() ctx: Context): Promise<Establishment> {
    return establishment(ctx, s.toClues);
  }
}
