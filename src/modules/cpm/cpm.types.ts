import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { cpmDeviation } from '../../domain/cpm-deviation';
import { Node, toGlobalId } from '../../base/node';
import { DateTimeScalar } from '../stock/stock.types';

export enum CpmExclusion {
  EXCLUDED = 'EXCLUDED',
  BEFORE_FIRST_ENTRY = 'BEFORE_FIRST_ENTRY',
  STOCKED_OUT_ALL_MONTH = 'STOCKED_OUT_ALL_MONTH',
}

export enum CpmSubmissionStatus {
  PROPOSED = 'PROPOSED',
  RATIFIED = 'RATIFIED',
  RETURNED = 'RETURNED',
}

/** What happened to a submission (its history), as the CHECK of cpm_submission_event.action lists it. */
export enum CpmSubmissionAction {
  PROPOSED = 'PROPOSED',
  UPDATED = 'UPDATED',
  RATIFIED = 'RATIFIED',
  RETURNED = 'RETURNED',
  IMPORTED = 'IMPORTED',
}

/** Why a CPM calculation has no value (cpm_calculation.reason). */
export enum CpmNoValueReason {
  NO_DATA = 'NO_DATA',
}

/** How a submission's status reads in a Spanish message. */
export const CPM_SUBMISSION_STATUS_LABEL: Readonly<Record<CpmSubmissionStatus, string>> = {
  PROPOSED: 'propuesta',
  RATIFIED: 'ratificada',
  RETURNED: 'devuelta',
};

registerEnumType(CpmExclusion, {
  name: 'CpmExclusion',
  description: 'Why a month is left out of a CPM: asked to (EXCLUDED), before the location’s first ledger entry, or stocked out every day.',
});
registerEnumType(CpmSubmissionStatus, { name: 'CpmSubmissionStatus', description: 'PROPOSED → RATIFIED, or RETURNED for changes.' });
registerEnumType(CpmSubmissionAction, {
  name: 'CpmSubmissionAction',
  description: 'A step in the life of a submission: PROPOSED, UPDATED (lines edited), RATIFIED, RETURNED (for changes), IMPORTED (from a CSV).',
});
registerEnumType(CpmNoValueReason, { name: 'CpmNoValueReason', description: 'Why a CPM calculation has no value: NO_DATA (no month could be kept).' });

export const CPM_FORMULA =
  'a(m) = c(m) × d(m) / (d(m) − s(m)) para cada mes m considerado; CPM = ⌈Σ a(m) / k⌉ sobre los k meses considerados; ' +
  'c = piezas dispensadas y consumidas (despachadas, en un almacén), s = días sin existencia, d = días del mes. ' +
  'Un mes queda fuera cuando se excluye, cuando todos sus días fueron sin existencia, o cuando es anterior al primer movimiento de la CLUES.';

@ObjectType({ description: 'One month of a CPM calculation, with its inputs.' })
export class CpmMonth {
  @Field({ description: 'YYYY-MM.' })
  month: string;

  @Field(() => Int, { description: 'c(m): pieces dispensed and consumed (a warehouse: dispatched).' })
  consumption: number;

  @Field(() => Int, { description: 's(m): days that ended with no usable piece.' })
  stockOutDays: number;

  @Field(() => Int, { description: 'd(m): days in the month.' })
  days: number;

  @Field(() => Float, { nullable: true, description: 'a(m) = c·d / (d − s); null for a month left out.' })
  adjusted: number | null;

  @Field()
  included: boolean;

  @Field(() => CpmExclusion, { nullable: true })
  excludedReason: CpmExclusion | null;
}

@ObjectType({ description: 'Consumo promedio mensual of one clave at one CLUES, with every input (SPEC §4).' })
export class CpmCalculation {
  @Field()
  clues: string;

  @Field()
  clave: string;

  @Field({ description: 'The month the CPM is for (YYYY-MM); the months looked at are the ones before it.' })
  month: string;

  @Field(() => Int)
  lookbackMonths: number;

  @Field(() => [String])
  excludeMonths: string[];

  @Field(() => Int, { nullable: true, description: 'Pieces per month; null when no month could be kept.' })
  value: number | null;

  @Field(() => CpmNoValueReason, { nullable: true, description: 'NO_DATA when the value is null.' })
  reason: CpmNoValueReason | null;

  @Field(() => Int, { description: 'k: months kept.' })
  monthsKept: number;

  @Field(() => Float, { description: 'Σ a(m) over the months kept.' })
  adjustedTotal: number;

  @Field()
  formula: string;

  @Field(() => [CpmMonth])
  months: CpmMonth[];

  @Field(() => DateTimeScalar, { nullable: true, description: 'When a stored calculation was computed (null when computed now).' })
  computedAt: Date | null;
}

@ObjectType({ description: 'One clave of a CPM submission.' })
export class CpmSubmissionLine {
  supplyItemId: number;

  @Field()
  clave: string;

  @Field(() => Int, { description: 'CPM the unit submits (pieces per month).' })
  cpm: number;

  @Field(() => Int, { nullable: true, description: 'The calculated value it started from.' })
  calculated: number | null;

  @Field(() => Float, { nullable: true, description: '(cpm − calculated) / calculated; beyond ±0.5 a justification is required.' })
  get deviation(): number | null {
    return cpmDeviation(this.cpm, this.calculated);
  }

  @Field(() => String, { nullable: true })
  justification: string | null;
}

@ObjectType({ description: 'One step in the life of a CPM submission.' })
export class CpmSubmissionEvent {
  @Field(() => CpmSubmissionAction)
  action: CpmSubmissionAction;

  @Field()
  actor: string;

  @Field(() => DateTimeScalar)
  at: Date;

  @Field(() => String, { nullable: true })
  reason: string | null;

  @Field(() => Int)
  linesChanged: number;
}

@ObjectType({ implements: Node, description: 'An establishment’s CPM for one fiscal year: proposed from the calculation, edited, ratified (indicator 51).' })
export class CpmSubmission implements Node {
  pk: number;
  establishmentId: number;

  @Field(() => ID)
  get id(): string {
    return toGlobalId('CpmSubmission', this.pk);
  }

  @Field()
  clues: string;

  @Field(() => Int)
  year: number;

  @Field(() => CpmSubmissionStatus)
  status: CpmSubmissionStatus;

  @Field({ description: 'Month (YYYY-MM) whose calculation the proposal started from.' })
  calculatedFrom: string;

  @Field(() => DateTimeScalar)
  proposedAt: Date;

  @Field()
  proposedBy: string;

  @Field(() => DateTimeScalar, { nullable: true })
  ratifiedAt: Date | null;

  @Field(() => String, { nullable: true })
  ratifiedBy: string | null;

  @Field(() => [CpmSubmissionLine])
  lines: CpmSubmissionLine[];

  @Field(() => [CpmSubmissionEvent])
  history: CpmSubmissionEvent[];
}

