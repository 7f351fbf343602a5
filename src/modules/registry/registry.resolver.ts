import { allStates } from './state.entity';
import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { fieldsOnItems } from '../../base/lookahead';
import { Role, SaiStatus } from '../../domain/enums';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType, PageArgs, pageRequest, paginate } from '../../base/relay';
import { Establishment, SaiStatusChange } from './establishment.entity';
import {
  EstablishmentsArgs,
  EstablishmentUpsertInput,
  EstablishmentUpsertPayload,
  SaiStatusSetInput,
  SaiStatusSetPayload,
  WarehousesArgs,
  WarehouseUpsertInput,
  WarehouseUpsertPayload,
} from './registry.inputs';
import * as registry from './registry.service';
import { State } from './state.entity';
import { Warehouse } from './warehouse.entity';
import { normalizeClues } from '../../domain/clues';

export const EstablishmentConnection = connectionType('Establishment', Establishment);
export const WarehouseConnection = connectionType('Warehouse', Warehouse);

@Resolver(() => Establishment)
export class EstablishmentResolver {
  @Authorized(Roles.anyone)
  @Query(() => [State], { description: 'The 32 federal entities.' })
  states(): State[] {
    return allStates();
  }

  @Authorized(Roles.anyone)
  @Query(() => Establishment, { nullable: true, description: 'One establishment by its CLUES.' })
  establishment(@Arg('clues') clues: string, @Ctx() ctx: Context): Promise<Establishment | null> {
    return ctx.loaders.establishmentByClues.load(normalizeClues(clues));
  }

  @Authorized(Roles.anyone)
  @Query(() => EstablishmentConnection, { description: 'Establishments in CLUES order.' })
  establishments(@Args() args: EstablishmentsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return registry.listEstablishments(ctx, args.filter, args, fieldsOnItems(info));
  }

  @Authorized(Roles.registryWriters)
  @Mutation(() => EstablishmentUpsertPayload, {
    description: 'Creates or updates one CLUES (ADMIN, CENTRAL, or the STATE_COORDINATOR of its state).',
  })
  establishmentUpsert(@Arg('input') input: EstablishmentUpsertInput, @Ctx() ctx: Context) {
    return payload('establishment', () => registry.upsertEstablishment(ctx, input));
  }

  @Authorized(Roles.registryWriters)
  @Mutation(() => SaiStatusSetPayload, { description: 'Records the SAI status of an establishment from a date on.' })
  saiStatusSet(@Arg('input') input: SaiStatusSetInput, @Ctx() ctx: Context) {
    return payload('establishment', () => registry.setSaiStatus(ctx, input));
  }

  @FieldResolver(() => Warehouse, { nullable: true, description: 'The warehouse that supplies it.' })
  supplyingWarehouse(@Root() e: Establishment, @Ctx() ctx: Context): Promise<Warehouse | null> | Warehouse | null {
    if (e.loadedSupplyingWarehouse !== undefined) return e.loadedSupplyingWarehouse;
    return e.supplyingWarehouseId ? ctx.loaders.warehouseById.load(e.supplyingWarehouseId) : null;
  }

  @FieldResolver(() => Warehouse, { nullable: true, description: 'Its warehouse role, when it distributes.' })
  warehouse(@Root() e: Establishment, @Ctx() ctx: Context): Promise<Warehouse | null> {
    return ctx.loaders.warehouseByEstablishmentId.load(e.pk);
  }

  @FieldResolver(() => SaiStatus, { description: 'SAI status in force today.' })
  saiStatus(@Root() e: Establishment, @Ctx() ctx: Context): Promise<SaiStatus> {
    return ctx.loaders.saiStatus.load(e.pk);
  }

  @FieldResolver(() => [Establishment], {
    description: 'The CLUES this one replaced (closed the day this one opened, e.g. the SSA CLUES of a unit re-keyed to IMB when its state federalized), in CLUES order.',
  })
  predecessors(@Root() e: Establishment, @Ctx() ctx: Context): Promise<Establishment[]> {
    return ctx.loaders.predecessors.load(e.pk);
  }

  @FieldResolver(() => Establishment, { nullable: true, description: 'The CLUES that replaced this one, when it was closed and re-keyed.' })
  successor(@Root() e: Establishment, @Ctx() ctx: Context): Promise<Establishment | null> {
    return ctx.loaders.successor.load(e.pk);
  }

  @FieldResolver(() => [SaiStatusChange], { description: 'Every SAI status change, oldest first.' })
  async saiHistory(@Root() e: Establishment, @Ctx() ctx: Context): Promise<SaiStatusChange[]> {
    const history = await ctx.loaders.saiHistory.load(e.pk);
    // Who recorded a change (a coordinator's token subject) is for the national level and that state's coordinator.
    const v = viewerOf(ctx);
    return v.national || (v.role === Role.STATE_COORDINATOR && v.covers(e.clues)) ? history : history.map((c) => ({ ...c, actor: null }));
  }
}

@Resolver(() => Warehouse)
export class WarehouseResolver {
  @Authorized(Roles.anyone)
  @Query(() => WarehouseConnection, { description: 'Warehouses (almacenes) in CLUES order.' })
  warehouses(@Args() args: WarehousesArgs, @Ctx() ctx: Context) {
    return registry.listWarehouses(ctx, args.stateCodes, args);
  }

  @Authorized(Roles.registryWriters)
  @Mutation(() => WarehouseUpsertPayload, { description: 'Makes an establishment a warehouse, or changes its tier.' })
  warehouseUpsert(@Arg('input') input: WarehouseUpsertInput, @Ctx() ctx: Context) {
    return payload('warehouse', () => registry.upsertWarehouse(ctx, input));
  }

  @FieldResolver(() => Establishment)
  establishment(@Root() w: Warehouse, @Ctx() ctx: Context): Promise<Establishment> | Establishment {
    return w.loadedEstablishment ?? ctx.loaders.establishmentById.load(w.establishmentId).then((e) => e!);
  }

  @FieldResolver(() => EstablishmentConnection, { description: 'Establishments this warehouse supplies, in CLUES order.' })
  served(@Root() w: Warehouse, @Args() args: PageArgs, @Ctx() ctx: Context) {
    return paginate(
      pageRequest<string>(args),
      (after, limit) => ctx.loaders.servedPage.load({ warehouseId: w.pk, after, limit }),
      (e) => e.clues,
      () => ctx.loaders.servedCount.load(w.pk),
    );
  }
}
