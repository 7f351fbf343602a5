import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LevelOfCare, RejectionReason, SupplyKind } from '../../domain/enums';
import { DateScalar } from '../../base/scalars';

export enum IndicatorCode {
  CPM_RATIFICATION = 'CPM_RATIFICATION',
  SAI_ROLLOUT = 'SAI_ROLLOUT',
  PIECES_ISSUED_DELIVERED = 'PIECES_ISSUED_DELIVERED',
  QUANTITY_FILL_RATE = 'QUANTITY_FILL_RATE',
  LINE_FILL_RATE = 'LINE_FILL_RATE',
  ORDER_FILL_RATE = 'ORDER_FILL_RATE',
  ON_TIME_IN_FULL = 'ON_TIME_IN_FULL',
  PRESCRIPTION_COMPLETE_FILL = 'PRESCRIPTION_COMPLETE_FILL',
  ROUND_UNITS_SUPPLIED = 'ROUND_UNITS_SUPPLIED',
  KIT_FILL_RATE = 'KIT_FILL_RATE',
  ROUND_ON_TIME = 'ROUND_ON_TIME',
}

export enum IndicatorDimension {
  STATE = 'STATE',
  MONTH = 'MONTH',
  LEVEL_OF_CARE = 'LEVEL_OF_CARE',
  SUPPLY_KIND = 'SUPPLY_KIND',
  WAREHOUSE = 'WAREHOUSE',
  ESTABLISHMENT = 'ESTABLISHMENT',
  CLAVE = 'CLAVE',
  /** Why the order exists: DISTRIBUTION (a round of Rutas de la Salud), REPLENISHMENT (asked for, or a redistribution), PURCHASE. */
  ORIGIN = 'ORIGIN',
  /** The route of a round (Rutas de la Salud indicators). */
  ROUTE = 'ROUTE',
  /** Day of a round's delivery, counted from the round's first dispatch (1 = that day); cumulative. */
  DELIVERY_DAY = 'DELIVERY_DAY',
}

/** Where the pieces of an order come from, for the ORIGIN breakdown. */
export enum SupplyOrigin {
  DISTRIBUTION = 'DISTRIBUTION',
  REPLENISHMENT = 'REPLENISHMENT',
  PURCHASE = 'PURCHASE',
}
registerEnumType(SupplyOrigin, {
  name: 'SupplyOrigin',
  description: 'DISTRIBUTION: kits pushed by a round of Rutas de la Salud; REPLENISHMENT: asked for by the unit (or moved by central); PURCHASE: bought from a supplier.',
});

/**
 * How far a figure is from its indicator's target, in bands (see `TargetBandLimits`): the dashboard's
 * colours and labels come from here, so the rule lives in one place.
 */
export enum TargetBand {
  /** At or better than the target. */
  MET = 'MET',
  /** Short of the target by at most `near` points. */
  NEAR = 'NEAR',
  /** Short by more than `near` and at most `far` points. */
  FAR = 'FAR',
  /** Short by more than `far` points. */
  OFF = 'OFF',
}

registerEnumType(TargetBand, {
  name: 'TargetBand',
  description: 'Distance to the target: MET (at or better), NEAR (within `near` points), FAR (within `far` points), OFF (beyond).',
});

registerEnumType(IndicatorCode, { name: 'IndicatorCode', description: 'The indicators Abasto computes (SPEC §4).' });
registerEnumType(IndicatorDimension, { name: 'IndicatorDimension', description: 'What an indicator can be broken down by.' });

@InputType({ description: 'Which records an indicator counts.' })
export class IndicatorFilter {
  @Field(() => DateScalar, { nullable: true, description: 'Start of the period (inclusive).' })
  from?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'End of the period (inclusive).' })
  to?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'The day the state is read at (default today).' })
  asOf?: string | null;

  @Field(() => Int, { nullable: true, description: 'Fiscal year (default the year of asOf).' })
  year?: number | null;

  @Field(() => [String], { nullable: true })
  stateCodes?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only these establishments.' })
  clues?: string[] | null;

  @Field(() => String, { nullable: true })
  warehouseClues?: string | null;

  @Field(() => [SupplyKind], { nullable: true })
  supplyKinds?: SupplyKind[] | null;

  @Field(() => [LevelOfCare], { nullable: true })
  levelsOfCare?: LevelOfCare[] | null;
}

/**
 * Indicator figures are sums of pieces over a period and the whole network: they stay Float, as a
 * national year of replenishment orders (every hop counted, central → state → unit) can pass 2^31 − 1,
 * which GraphQL's Int (32-bit) cannot carry.
 */
@ObjectType()
export class RejectedPieces {
  @Field(() => RejectionReason)
  reason: RejectionReason;

  @Field(() => Float, { description: 'Pieces (Float: a sum over the period and the network; see Shortfall).' })
  pieces: number;
}

@ObjectType({
  description:
    'Pieces approved but not accepted (Σ approved − Σ accepted), by where they are. Float, as numerator and denominator: a sum over the period and the whole network can pass 2^31 − 1, the most a GraphQL Int holds.',
})
export class Shortfall {
  @Field(() => Float, { description: 'Approved pieces the supplier has not sent (approved − dispatched).' })
  notDispatched: number;

  @Field(() => Float, { description: 'Sent and not yet received.' })
  inTransit: number;

  @Field(() => Float, { description: 'Rejected at the destination.' })
  rejected: number;

  @Field(() => [RejectedPieces])
  rejectedByReason: RejectedPieces[];
}

@ObjectType({ description: 'The points from the target that bound the bands NEAR and FAR (TargetBand).' })
export class TargetBandLimits {
  @Field(() => Float, { description: 'Short of the target by at most this many points: NEAR.' })
  near: number;

  @Field(() => Float, { description: 'Short by more than `near` and at most this many points: FAR; beyond it, OFF.' })
  far: number;
}

/** Where a row's value stands against its indicator's target: gap in points and band. */
export function targetBand(
  value: number | null,
  target: number | null,
  lowerIsBetter: boolean,
  limits: TargetBandLimits | null,
): { gap: number | null; band: TargetBand | null } {
  if (value === null || target === null || !limits) return { gap: null, band: null };
  const gap = value - target;
  const short = lowerIsBetter ? gap : -gap;
  // Rounded to a tenth (as the figures are shown) so that 89.96 % against 100 reads as 10.0 points: NEAR.
  const points = Math.round(short * 10) / 10;
  const band = points <= 0 ? TargetBand.MET : points <= limits.near ? TargetBand.NEAR : points <= limits.far ? TargetBand.FAR : TargetBand.OFF;
  return { gap, band };
}

@ObjectType({ description: 'One figure of an indicator: numerator, denominator and value = numerator / denominator × 100.' })
export class IndicatorRow {
  /** The indicator's target, direction and band limits (set by the framework), for `gap` and `band`. */
  target: number | null = null;
  lowerIsBetter = false;
  bandLimits: TargetBandLimits | null = null;

  stateCode: string | null;
  establishmentId: number | null;
  /** Establishment id of the warehouse. */
  warehouseId: number | null;
  supplyItemId: number | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM, when grouped by MONTH.' })
  month: string | null;

  @Field(() => LevelOfCare, { nullable: true })
  levelOfCare: LevelOfCare | null;

  @Field(() => SupplyKind, { nullable: true })
  supplyKind: SupplyKind | null;

  @Field(() => SupplyOrigin, { nullable: true, description: 'When grouped by ORIGIN.' })
  origin: SupplyOrigin | null;

  @Field(() => String, { nullable: true, description: 'Route code, when grouped by ROUTE.' })
  routeCode: string | null;

  @Field(() => Int, { nullable: true, description: 'When grouped by DELIVERY_DAY: the day of the round (1 = the day of its first dispatch); figures up to the end of that day.' })
  deliveryDay: number | null;

  @Field(() => Float)
  numerator: number;

  @Field(() => Shortfall, { nullable: true, description: 'QUANTITY_FILL_RATE and PIECES_ISSUED_DELIVERED: where the missing pieces are.' })
  shortfall: Shortfall | null;

  @Field(() => Float)
  denominator: number;

  @Field(() => Int, {
    nullable: true,
    description: 'SAI_ROLLOUT: of the units in operation (the numerator), those with a stock movement dated in the 30 days ending on the as-of day (data freshness).',
  })
  activeUnits: number | null;

  @Field(() => DateScalar, { nullable: true, description: 'Network indicators: the day this row was read at (with MONTH, the last day of the month, or asOf).' })
  asOf: string | null;

  @Field(() => Float, { nullable: true, description: 'null when the denominator is 0.' })
  get value(): number | null {
    return this.denominator === 0 ? null : (this.numerator / this.denominator) * 100;
  }

  @Field(() => Float, {
    nullable: true,
    description: 'value − target, in points (negative: below the target; for an indicator where lower is better, positive is short of it). null without a value or a target.',
  })
  get gap(): number | null {
    return targetBand(this.value, this.target, this.lowerIsBetter, this.bandLimits).gap;
  }

  @Field(() => TargetBand, { nullable: true, description: 'How far the value is from the target (limits in IndicatorResult.bands). null without a value or a target.' })
  get band(): TargetBand | null {
    return targetBand(this.value, this.target, this.lowerIsBetter, this.bandLimits).band;
  }

  @Field(() => Boolean, {
    nullable: true,
    description: 'MONTH rows: true when the month had not ended by the as-of day (a partial month, still filling in; not a drop). null for other rows.',
  })
  partial: boolean | null;
}

@ObjectType({ description: 'An indicator with its definition, a total and the rows of the breakdown asked for.' })
export class IndicatorResult {
  @Field(() => IndicatorCode)
  code: IndicatorCode;

  @Field()
  name: string;

  @Field({ description: 'How it is computed, numerator and denominator included.' })
  formula: string;

  @Field()
  unit: string;

  @Field(() => Float, { nullable: true, description: 'Official target, where there is one.' })
  target: number | null;

  @Field({ description: 'Whether lower values are better (indicator 53: above 100 means pieces not delivered); the target is then a ceiling.' })
  lowerIsBetter: boolean;

  @Field(() => TargetBandLimits, { nullable: true, description: 'The limits of the bands each row’s `band` is read with; null without a target.' })
  bands: TargetBandLimits | null;

  @Field(() => DateScalar, { description: 'The day the state was read at.' })
  asOf: string;

  @Field(() => IndicatorRow)
  total: IndicatorRow;

  @Field(() => [IndicatorRow])
  rows: IndicatorRow[];
}
