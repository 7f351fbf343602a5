import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType } from '../../base/relay';
import { SupplyItemGtinLinkInput, SupplyItemGtinLinkPayload, SupplyItemsArgs, SupplyItemUpsertInput, SupplyItemUpsertPayload } from './catalog.inputs';
import * as catalog from './catalog.service';
import { SupplyItem } from './supply-item.entity';

export const SupplyItemConnection = connectionType('SupplyItem', SupplyItem);

@Resolver(() => SupplyItem)
export class SupplyItemResolver {
  @Authorized(Roles.anyone)
  @Query(() => SupplyItem, { nullable: true, description: 'One clave of the catalogue.' })
  supplyItem(@Arg('clave') clave: string, @Ctx() ctx: Context): Promise<SupplyItem | null> {
    return ctx.loaders.supplyItemByClave.load(clave.trim());
  }

  @Authorized(Roles.anyone)
  @Query(() => SupplyItemConnection, { description: 'The catalogue (Compendio Nacional de Insumos) in clave order.' })
  supplyItems(@Args() args: SupplyItemsArgs, @Ctx() ctx: Context) {
    return catalog.listSupplyItems(ctx, args.filter, args);
  }

  @Authorized(Roles.catalogWriters)
  @Mutation(() => SupplyItemUpsertPayload, { description: 'Creates or updates one clave (ADMIN, CENTRAL).' })
  supplyItemUpsert(@Arg('input') input: SupplyItemUpsertInput, @Ctx() ctx: Context) {
    return payload('supplyItem', () => catalog.upsertSupplyItem(ctx, input));
  }

  @Authorized([...catalog.GTIN_LINKERS])
  @Mutation(() => SupplyItemGtinLinkPayload, {
    description: 'Links a GTIN to its clave, once (ADMIN, CENTRAL, WAREHOUSE): INVALID_GTIN, UNKNOWN_CLAVE, GTIN_LINKED_ELSEWHERE; the same pair again changes nothing.',
  })
  supplyItemGtinLink(@Arg('input') input: SupplyItemGtinLinkInput, @Ctx() ctx: Context) {
    return payload('supplyItem', () => catalog.linkGtin(ctx, input));
  }

  @FieldResolver(() => [String], { description: 'GTINs (GS1 barcodes, 14-digit form) linked to the clave, in order; a clave may have several.' })
  gtins(@Root() item: SupplyItem, @Ctx() ctx: Context): Promise<string[]> {
    return ctx.loaders.gtinsBySupplyItemId.load(item.pk);
  }
}
