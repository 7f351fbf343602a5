import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType } from '../../base/relay';
import { SupplyItemsArgs, SupplyItemUpsertInput, SupplyItemUpsertPayload } from './catalog.inputs';
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
}
