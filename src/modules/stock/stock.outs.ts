import { Arg, Authorized, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, forbidden } from '../../base/errors';
import { DateScalar } from '../../base/scalars';
import { businessDay } from '../../domain/dates';
import { stateByCode } from '../../domain/states';
import { SupplyItem } from '../catalog/supply-item.entity';
import { Establishment } from '../registry/establishment.entity';
import { positionSql } from './stock.position';

/**
 * A state's stock-outs (desabasto), for its coordinator: the network's units (FIXED and MOBILE, operating,
 * in the network) with held claves whose stock position is STOCKED_OUT today (no usable pieces) — the same position and status
 * as each unit's stock page (src/modules/stock/stock.position.ts, stock_status) —, most claves out first.
 * One set-based statement over the state's units.
 */

@ObjectType({ description: 'A clave stocked out at a unit: one it holds (stock page), with no usable pieces.' })
export class StockOutClave {
  @Field()
  clave: string;

  @Field(() => Int, { nullable: true, description: 'The CPM in force (ratified, else calculated); null when none.' })
  cpm: number | null;

  @Field(() => Int, { description: 'Pieces on their way to the unit (shipped, not yet received).' })
  inTransit: number;
}

@ObjectType({ description: 'One unit of a state with claves stocked out.' })
export class UnitStockOuts {
  @Field()
  clues: string;

  @Field(() => Int, { description: 'Claves stocked out at the unit.' })
  stockedOut: number;

  @Field(() => [StockOutClave], { description: 'Its claves stocked out, the highest CPM first (at most `clavesPerUnit` of them).' })
  claves: StockOutClave[];
}

@ObjectType({ description: 'The stock-outs of one state’s network units today.' })
export class StateStockOuts {
  @Field()
  stateCode: string;

  @Field(() => DateScalar)
  asOf: string;

  @Field(() => Int, { description: 'Network units of the state (FIXED and MOBILE, operating, in the network).' })
  units: number;

  @Field(() => Int, { description: 'Of them, units with at least one clave stocked out.' })
  unitsWithStockOuts: number;

  @Field(() => Int, { description: 'Unit × clave positions stocked out, in the whole state.' })
  positions: number;

  @Field(() => [UnitStockOuts], { description: 'The units with stock-outs, most claves out first (at most `first`).' })
  rows: UnitStockOuts[];

  @Field()
  formula: string;
}

const FORMULA =
  'Una clave está en desabasto en una unidad cuando la unidad la maneja (tuvo existencia, está en su CPM ratificado, viene en camino o está pedida) y su existencia utilizable (lotes no caducados) es 0: el estado «Desabasto» de su página de existencias. Unidades: fijas o móviles, en operación y en la red.';

const STOCK_OUTS_SQL = `
  WITH units AS (
    SELECT id FROM establishment WHERE state_code = $1 AND kind IN ('FIXED', 'MOBILE') AND operating AND in_network
  ),
  pos AS (${positionSql({
    keys: 'held',
    where: (e) => `${e} IN (SELECT id FROM units)`,
    day: '$2::date',
    year: '$3::int',
    month: '$4::date',
    band: { min: '$5::numeric', max: '$6::numeric' },
    omit: ['onHand', 'source', 'pending'],
  })}),
  outs AS (
    SELECT e.clues, count(*) OVER (PARTITION BY e.id)::int AS n, s.clave, pos.cpm, pos.in_transit,
           row_number() OVER (PARTITION BY e.id ORDER BY pos.cpm DESC NULLS LAST, s.clave) AS k
      FROM pos JOIN establishment e ON e.id = pos.establishment_id JOIN supply_item s ON s.id = pos.supply_item_id
     WHERE pos.status = 'STOCKED_OUT'
  )
  SELECT (SELECT count(*) FROM units)::int AS units,
         (SELECT count(DISTINCT clues) FROM outs)::int AS with_outs,
         (SELECT count(*) FROM outs)::int AS positions,
         coalesce((SELECT json_agg(json_build_array(u.clues, u.n, u.claves) ORDER BY u.n DESC, u.clues)
                     FROM (SELECT clues, n, json_agg(json_build_array(clave, cpm, in_transit) ORDER BY k) FILTER (WHERE k <= $8) AS claves
                             FROM outs GROUP BY clues, n ORDER BY n DESC, clues LIMIT $7) u), '[]') AS rows`;

export async function stateStockOuts(ctx: Context, rawState: string, first: number, clavesPerUnit: number): Promise<StateStockOuts> {
  const stateCode = rawState.trim().padStart(2, '0');
  if (!stateByCode(stateCode)) throw badRequest('UNKNOWN_STATE', `No existe la entidad ${rawState}: use su clave INEGI de 01 a 32.`);
  if (!viewerOf(ctx).coversState(stateCode)) throw forbidden();
  if (first < 1 || first > 500) throw badRequest('OUT_OF_RANGE', 'first debe estar entre 1 y 500.');
  if (clavesPerUnit < 0 || clavesPerUnit > 100) throw badRequest('OUT_OF_RANGE', 'clavesPerUnit debe estar entre 0 y 100.');
  const day = businessDay();
  const band = ctx.config.stockThresholds.unit;
  const [r] = await ctx.db.query(STOCK_OUTS_SQL, [stateCode, day, Number(day.slice(0, 4)), `${day.slice(0, 7)}-01`, band.minMonths, band.maxMonths, first, clavesPerUnit]);
  return Object.assign(new StateStockOuts(), {
    stateCode,
    asOf: day,
    units: r.units,
    unitsWithStockOuts: r.with_outs,
    positions: r.positions,
    formula: FORMULA,
    rows: (r.rows as Array<[string, number, Array<[string, number | null, string | number | null]> | null]>).map(([clues, n, claves]) =>
      Object.assign(new UnitStockOuts(), {
        clues,
        stockedOut: n,
        claves: (claves ?? []).map(([clave, cpm, inTransit]) => Object.assign(new StockOutClave(), { clave, cpm, inTransit: Number(inTransit ?? 0) })),
      }),
    ),
  });
}

@Resolver(() => StateStockOuts)
export class StockOutsResolver {
  @Authorized(Roles.anyone)
  @Query(() => StateStockOuts, { description: 'A state’s units with claves stocked out today (desabasto), most first; the state coordinator’s own state, or any for national roles.' })
  stateStockOuts(
    @Arg('stateCode') stateCode: string,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('clavesPerUnit', () => Int, { defaultValue: 10 }) clavesPerUnit: number,
    @Ctx() ctx: Context,
  ): Promise<StateStockOuts> {
    return stateStockOuts(ctx, stateCode, first, clavesPerUnit);
  }
}

@Resolver(() => UnitStockOuts)
export class UnitStockOutsResolver {
  @FieldResolver(() => Establishment)
  async establishment(@Root() u: UnitStockOuts, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentByClues.load(u.clues))!;
  }
}

@Resolver(() => StockOutClave)
export class StockOutClaveResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() c: StockOutClave, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemByClave.load(c.clave))!;
  }
}
