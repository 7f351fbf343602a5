import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Role } from '../../domain/enums';
import { Context, viewerOf } from '../../base/context';
import { badRequest, payload, UserInputError } from '../../base/errors';
import { ExportFile } from '../procurement/procurement.types';
import { dispatchRoute, RouteDispatchInput, RouteDispatchPayload, RouteManifest, routeManifest, routeManifestFile } from './route-dispatch';
import { SupplyItem } from '../catalog/supply-item.entity';
import { Order } from '../orders/order.types';
import { ordersWhere } from '../orders/order.queries';
import { Establishment } from '../registry/establishment.entity';
import {
  DistributionRound,
  DistributionRoundClave,
  DistributionRoundCreateInput,
  DistributionRoundPayload,
  DistributionRoundRoute,
  DistributionRoundSkip,
  KitSize,
  KitSizeRulePayload,
  KitSizeRuleSetInput,
  KitsPerMonthPayload,
  KitsPerMonthSetInput,
  KitTemplate,
  KitTemplateCreateInput,
  KitTemplateLine,
  KitTemplatePayload,
  monthField,
  Route,
  RoutePayload,
  RouteUpsertInput,
} from './distribution.types';
import { createKitTemplate, kitTemplates, setKitSizeRule, setKitsPerMonth } from './kits';
import { routesFor, upsertRoute } from './routes';
import { createRound, roundByNumber, roundsFor } from './rounds';

@Resolver(() => KitTemplate)
export class KitTemplateResolver {
  @Authorized(Roles.anyone)
  @Query(() => [KitTemplate], { description: 'Kits of Rutas de la Salud, every version (newest first per code); or one code\'s.' })
  kitTemplates(@Ctx() ctx: Context, @Arg('code', () => String, { nullable: true }) code?: string | null): Promise<KitTemplate[]> {
    return kitTemplates(ctx.db, code);
  }

  @Authorized(Roles.national)
  @Mutation(() => KitTemplatePayload, { description: 'A new version of a kit: claves authorised for its level, pieces per kit. Central only.' })
  kitTemplateCreate(@Arg('input') input: KitTemplateCreateInput, @Ctx() ctx: Context) {
    return payload('kitTemplate', () => createKitTemplate(ctx, input));
  }

  @Authorized(Roles.national)
  @Mutation(() => KitSizeRulePayload, { description: 'Kits a month for every unit of a DGIS typology (null: back to its núcleos básicos). Central only.' })
  kitSizeRuleSet(@Arg('input') input: KitSizeRuleSetInput, @Ctx() ctx: Context) {
    return payload('kitSizeRule', () => setKitSizeRule(ctx, input));
  }

  @Authorized(Roles.registryWriters)
  @Mutation(() => KitsPerMonthPayload, { description: 'A unit\'s kits a month fixed by hand, with the reason (null: back to the rule). Central, or the state\'s coordinator.' })
  kitsPerMonthSet(@Arg('input') input: KitsPerMonthSetInput, @Ctx() ctx: Context) {
    return payload('kitsPerMonth', () => setKitsPerMonth(ctx, input));
  }
}

@Resolver(() => KitTemplateLine)
export class KitTemplateLineResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() l: KitTemplateLine, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemById.load(l.supplyItemId))!;
  }
}

@Resolver(() => Establishment)
export class EstablishmentKitsResolver {
  @FieldResolver(() => KitSize, {
    nullable: true,
    description: 'Kits of Rutas de la Salud it gets a month, and where the figure comes from; null outside the caller\'s scope.',
  })
  kitsPerMonth(@Root() e: Establishment, @Ctx() ctx: Context): Promise<KitSize> | null {
    return viewerOf(ctx).covers(e.clues) ? ctx.loaders.kitSizeByEstablishmentId.load(e.pk) : null;
  }
}

@Resolver(() => Route)
export class RouteResolver {
  @Authorized(Roles.anyone)
  @Query(() => [Route], { description: 'Routes in the caller\'s scope: all for central; those leaving from its state for a coordinator; its own for a warehouse; the one stopping at it for a unit.' })
  routes(
    @Ctx() ctx: Context,
    @Arg('warehouseClues', () => String, { nullable: true }) warehouseClues?: string | null,
    @Arg('kitTemplateCode', () => String, { nullable: true }) kitTemplateCode?: string | null,
  ): Promise<Route[]> {
    return routesFor(ctx, { warehouseClues, kitTemplateCode });
  }

  @Authorized(Roles.anyone)
  @Query(() => RouteManifest, { nullable: true, description: 'A route of a round as the warehouse loads it: stops in order, kits, and what to pick by lot (FEFO). The route\'s warehouse, its state\'s coordinator and central.' })
  routeManifest(@Ctx() ctx: Context, @Arg('round') round: string, @Arg('route') route: string): Promise<RouteManifest | null> {
    return routeManifest(ctx, round, route);
  }

  @Authorized(Roles.anyone)
  @Query(() => ExportFile, { nullable: true, description: 'The manifest as an XLSX workbook (Spanish): a sheet of stops with their lots, and the route\'s pick list by lot.' })
  routeManifestExport(@Ctx() ctx: Context, @Arg('round') round: string, @Arg('route') route: string): Promise<ExportFile | null> {
    return routeManifestFile(ctx, round, route);
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => RouteDispatchPayload, { description: 'Dispatches a whole route of a round: each stop\'s order from what is available (FEFO), in stop order, in one transaction. The route\'s warehouse.' })
  async routeDispatch(@Arg('input') input: RouteDispatchInput, @Ctx() ctx: Context): Promise<RouteDispatchPayload> {
    try {
      const r = await dispatchRoute(ctx, input);
      return { ...r, userErrors: [] };
    } catch (err) {
      if (err instanceof UserInputError) return { shipments: null, skipped: null, userErrors: err.errors };
      throw err;
    }
  }

  @Authorized(Roles.registryWriters)
  @Mutation(() => RoutePayload, { description: 'Creates or replaces a route by code: warehouse, carrier, delivery week, kit and stops in order.' })
  routeUpsert(@Arg('input') input: RouteUpsertInput, @Ctx() ctx: Context) {
    return payload('route', () => upsertRoute(ctx, input));
  }
}

@Resolver(() => DistributionRound)
export class DistributionRoundResolver {
  @Authorized(Roles.anyone)
  @Query(() => [DistributionRound], { description: 'Rounds of Rutas de la Salud in the caller\'s scope, newest first; or one month\'s (YYYY-MM).' })
  distributionRounds(@Ctx() ctx: Context, @Arg('month', () => String, { nullable: true }) month?: string | null): Promise<DistributionRound[]> {
    if (month != null && !monthField.safeParse(month).success) throw badRequest('INVALID_MONTH', 'Mes inválido: se espera AAAA-MM, p. ej. 2025-09.');
    return roundsFor(ctx, month ?? null);
  }

  @Authorized(Roles.anyone)
  @Query(() => DistributionRound, { nullable: true })
  distributionRound(@Ctx() ctx: Context, @Arg('number') number: string): Promise<DistributionRound | null> {
    return roundByNumber(ctx, number.trim());
  }

  @Authorized([Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR])
  @Mutation(() => DistributionRoundPayload, {
    description:
      'A month\'s round: an approved order per unit on the kit\'s routes (those named, of the states named), from each route\'s warehouse, shared fairly when the warehouse is short. Central; a coordinator for its state.',
  })
  distributionRoundCreate(@Arg('input') input: DistributionRoundCreateInput, @Ctx() ctx: Context) {
    return payload('round', () => createRound(ctx, input));
  }

  @FieldResolver(() => KitTemplate)
  async kitTemplate(@Root() r: DistributionRound, @Ctx() ctx: Context): Promise<KitTemplate> {
    return (await ctx.loaders.kitTemplateById.load(r.kitTemplateId))!;
  }

  @FieldResolver(() => Int, { description: 'Units with an order in the round: all for central; those in the caller\'s scope otherwise (a coordinator: its state\'s; a warehouse: those on its routes; a unit: itself).' })
  async units(@Root() r: DistributionRound, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.roundTotals.load({ round: r, viewer: viewerOf(ctx) })).units;
  }

  @FieldResolver(() => Int, { description: 'Kits planned for those units.' })
  async kits(@Root() r: DistributionRound, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.roundTotals.load({ round: r, viewer: viewerOf(ctx) })).kits;
  }

  @FieldResolver(() => [String], { nullable: true, description: 'The routes the round was asked for (null: every route of the kit); of those, the ones in the caller\'s scope.' })
  async routeCodes(@Root() r: DistributionRound, @Ctx() ctx: Context): Promise<string[] | null> {
    const v = viewerOf(ctx);
    if (!r.routeCodes || v.national) return r.routeCodes;
    const seen = new Set((await ctx.loaders.roundRoutes.load({ round: r, viewer: v })).map((x) => x.code));
    return r.routeCodes.filter((c) => seen.has(c));
  }

  @FieldResolver(() => [DistributionRoundClave], { description: 'Per warehouse and clave: planned, available, allocated, and how many units get less than they need; the warehouses in the caller\'s scope (a unit sees none).' })
  claves(@Root() r: DistributionRound, @Ctx() ctx: Context): Promise<DistributionRoundClave[]> {
    return ctx.loaders.roundClaves.load({ round: r, viewer: viewerOf(ctx) });
  }

  @FieldResolver(() => [DistributionRoundRoute], { description: 'Route by route: units, kits, dispatched and received; of the units in the caller\'s scope (a coordinator: its state\'s; a warehouse: its routes\'; a unit: its own stop).' })
  routes(@Root() r: DistributionRound, @Ctx() ctx: Context): Promise<DistributionRoundRoute[]> {
    return ctx.loaders.roundRoutes.load({ round: r, viewer: viewerOf(ctx) });
  }

  @FieldResolver(() => [DistributionRoundSkip], { description: 'Units on the round\'s routes that got no order, and why; those in the caller\'s scope.' })
  skipped(@Root() r: DistributionRound, @Ctx() ctx: Context): Promise<DistributionRoundSkip[]> {
    return ctx.loaders.roundSkips.load({ round: r, viewer: viewerOf(ctx) });
  }

  @FieldResolver(() => [Order], { description: 'The round\'s orders of one route (or all), in stop order; those in the caller\'s scope.' })
  orders(@Root() r: DistributionRound, @Ctx() ctx: Context, @Arg('route', () => String, { nullable: true }) route?: string | null): Promise<Order[]> {
    const v = viewerOf(ctx);
    return ordersWhere(
      ctx.db,
      `o.distribution_round_id = $1 AND ($2 OR r.clues = $3 OR s.clues = $3 OR r.state_code = $4)
         AND ($5::text IS NULL OR o.id IN (SELECT u.order_id FROM distribution_round_unit u JOIN route ro ON ro.id = u.route_id WHERE u.round_id = $1 AND ro.code = $5))
       ORDER BY (SELECT ro.code || lpad(u.stop_position::text, 4, '0') FROM distribution_round_unit u JOIN route ro ON ro.id = u.route_id WHERE u.order_id = o.id)`,
      [r.id, v.national, v.clues, v.stateCode, route?.trim().toUpperCase() ?? null],
    );
  }
}

@Resolver(() => DistributionRoundClave)
export class DistributionRoundClaveResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() c: DistributionRoundClave, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemById.load(c.supplyItemId))!;
  }
}

@Resolver(() => Order)
export class OrderRoundResolver {
  @FieldResolver(() => DistributionRound, { nullable: true, description: 'The round of Rutas de la Salud that made the order (origin DISTRIBUTION); null for the rest.' })
  distributionRound(@Root() o: Order, @Ctx() ctx: Context): Promise<DistributionRound | null> | null {
    return o.distributionRoundId ? ctx.loaders.distributionRoundById.load(o.distributionRoundId) : null;
  }
}
