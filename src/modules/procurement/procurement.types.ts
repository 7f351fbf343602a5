import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { z } from 'zod';
import { Role } from '../../domain/enums';
import { Node, toGlobalId } from '../../base/node';
import { DateScalar, isCalendarDate } from '../../base/scalars';
import { ErrorCode, UserError } from '../../base/errors';
import { calendarDateField, claveField, cluesField, idempotencyKeyField, lotNumberField, piecesField } from '../../base/validation';

export enum ExportFormat {
  CSV = 'CSV',
  XLSX = 'XLSX',
}
registerEnumType(ExportFormat, { name: 'ExportFormat' });

/** A plan row's global id: fiscal year × state ('' nationally) × clave. */
export const planRowId = (year: number, stateCode: string | null, clave: string): string => toGlobalId('ProcurementPlanRow', `${year}:${stateCode ?? ''}:${clave}`);

/**
 * Piece counts are Int: a row is one clave, and the whole national plan's Σ maximum (1,093,672,344 on the
 * national data set) is within 2^31 − 1, so one row's figures are too.
 */
@ObjectType({
  implements: Node,
  description:
    'One clave of the procurement plan for one state, or nationally, with every input. A state: need = ⌈cpm × (months + safetyMonths) − usable − onOpenPurchaseOrders⌉ − fromNationalStock; maximum = max(0, need); minimum = ⌈minimumRatio × maximum⌉. The national row is the sum of the states’ rows (one state’s surplus does not cover another’s need), so by-state and national exports give the same total. Its id is fiscal year × state × clave: `node(id:)` computes it again.',
})
export class ProcurementPlanRow implements Node {
  /** The fiscal year the row is for (set by whoever reads the plan). */
  year: number;
  stateCode: string | null;
  supplyItemId: number;

  @Field(() => ID)
  get id(): string {
    return planRowId(this.year, this.stateCode, this.clave);
  }

  @Field()
  clave: string;

  @Field(() => Int, { description: 'Σ of the units’ ratified CPM for the year.' })
  ratifiedCpm: number;

  @Field(() => Int, { description: 'Σ of the latest calculated CPM of units without a ratified line for the clave (standing in for a ratified one).' })
  calculatedCpm: number;

  @Field(() => Int, { description: 'ratifiedCpm + calculatedCpm.' })
  cpm: number;

  @Field(() => Int)
  unitsRatified: number;

  @Field(() => Int)
  unitsCalculated: number;

  @Field({ description: 'True when a calculated CPM stood in for a ratified one at some unit.' })
  get calculatedStandIn(): boolean {
    return this.unitsCalculated > 0;
  }

  @Field(() => Int)
  months: number;

  @Field(() => Float)
  safetyMonths: number;

  @Field(() => Int, { description: 'Usable pieces (not expired today) at the state’s locations, CENTRAL warehouses apart (nationally: the states’ sum).' })
  usable: number;

  @Field(() => Int, { description: 'Pieces approved on open PURCHASE orders of the state’s warehouses (CENTRAL apart) and not yet accepted.' })
  onOpenPurchaseOrders: number;

  @Field(() => Int, { description: 'Usable pieces at the CENTRAL warehouses and on their open purchases: stock that serves every state.' })
  nationalStock: number;

  @Field(() => Int, {
    description: 'This state’s share of nationalStock: shared among the states that need the clave in proportion to their need, in whole pieces (largest remainder), never beyond a state’s need. Nationally: all that was shared.',
  })
  fromNationalStock: number;

  @Field(() => Int, { description: 'May be negative: stock and open orders already cover the year.' })
  need: number;

  @Field(() => Int)
  maximum: number;

  @Field(() => Int)
  minimum: number;

  @Field(() => Float)
  minimumRatio: number;
}

@ObjectType({ description: 'A generated file, base64-encoded.' })
export class ExportFile {
  @Field()
  filename: string;

  @Field()
  mimeType: string;

  @Field(() => Int, { description: 'Data rows (total rows not counted).' })
  rows: number;

  @Field()
  contentBase64: string;
}

/** Pieces are Int: bounded by the contract's maxPieces (at most 1,000,000,000 by its input). */
@ObjectType({ description: 'How far an open contract has got: accepted pieces on PURCHASE orders under it.' })
export class ContractProgress {
  @Field(() => Int, { description: 'Pieces accepted at the warehouses.' })
  accepted: number;

  @Field(() => Int, { description: 'Pieces ordered and not cancelled: requested until approved, approved after, accepted once short-closed. The maximum bounds this.' })
  committed: number;

  @Field(() => Int, { description: 'maxPieces − committed: what new orders may still ask for.' })
  available: number;

  @Field(() => Float, { nullable: true, description: 'accepted / minPieces × 100 (null when the minimum is 0).' })
  percentOfMinimum: number | null;

  @Field(() => Float, { description: 'accepted / maxPieces × 100.' })
  percentOfMaximum: number;

  @Field(() => Float, { description: 'accepted × unitPrice.' })
  acceptedValue: number;

  @Field(() => Int, { description: 'Orders under the contract, cancelled ones left out.' })
  orders: number;
}

/** Who reads plans: central roles nationally, a state coordinator for its own state. */
export const PLAN_READERS: Role[] = [Role.ADMIN, Role.CENTRAL, Role.AUDITOR, Role.STATE_COORDINATOR];

/** Who reads open contracts. */
export const CONTRACT_READERS: Role[] = [Role.ADMIN, Role.CENTRAL, Role.AUDITOR, Role.STATE_COORDINATOR, Role.WAREHOUSE];

@ObjectType({
  implements: Node,
  description: 'An open contract (contrato abierto): a supplier, a clave, minimum and maximum pieces, a unit price and a validity.',
})
export class ProcurementContract implements Node {
  pk: number;
  supplyItemId: number;
  stateCode: string | null;

  @Field(() => ID)
  get id(): string {
    return toGlobalId('ProcurementContract', this.number);
  }

  @Field(() => Int, { description: 'The row id orderCreate took as contractId.', deprecationReason: 'Use id: orderCreate takes it as contract.' })
  get contractId(): number {
    return this.pk;
  }

  @Field()
  number: string;

  @Field()
  supplier: string;

  @Field()
  clave: string;

  @Field(() => Int)
  minPieces: number;

  @Field(() => Int)
  maxPieces: number;

  @Field(() => Float)
  unitPrice: number;

  @Field(() => DateScalar)
  validFrom: string;

  @Field(() => DateScalar)
  validTo: string;
}

@InputType()
export class ProcurementContractCreateInput {
  @Field({ description: 'Makes a retry safe: the same key returns the same contract.' })
  idempotencyKey: string;

  @Field()
  supplier: string;

  @Field()
  clave: string;

  @Field(() => String, { nullable: true, description: 'The state the contract supplies; none for a national contract.' })
  stateCode?: string | null;

  @Field(() => Int)
  minPieces: number;

  @Field(() => Int)
  maxPieces: number;

  @Field(() => Float)
  unitPrice: number;

  @Field(() => DateScalar)
  validFrom: string;

  @Field(() => DateScalar)
  validTo: string;
}

export const ProcurementContractCreateSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  supplier: z.string().trim().min(1).max(200),
  clave: claveField,
  stateCode: z.string().trim().nullish(),
  minPieces: z.number().int().min(0).max(1_000_000_000),
  maxPieces: z.number().int().min(1).max(1_000_000_000),
  unitPrice: z
    .number()
    .min(0)
    .max(1_000_000_000)
    .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-6, { params: { code: ErrorCode.INVALID_VALUE }, message: 'El precio lleva a lo más dos decimales.' }),
  validFrom: calendarDateField,
  validTo: calendarDateField,
});

@ObjectType()
export class ProcurementContractPayload {
  @Field(() => ProcurementContract, { nullable: true })
  contract: ProcurementContract | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType()
export class ProcurementContractFilter {
  @Field(() => [String], { nullable: true })
  claves?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Part of the supplier’s name, without regard to case or accents.' })
  supplier?: string | null;

  @Field(() => [String], { nullable: true, description: 'Contracts for these states (national contracts included).' })
  stateCodes?: string[] | null;

  @Field(() => DateScalar, { nullable: true, description: 'Only contracts in force on this day.' })
  validOn?: string | null;
}

export enum RedistributionReasonEnum {
  EXPIRY_RISK = 'EXPIRY_RISK',
  OVERSTOCK = 'OVERSTOCK',
}
registerEnumType(RedistributionReasonEnum, {
  name: 'RedistributionReason',
  description: 'EXPIRY_RISK: pieces the location cannot consume at its CPM before the lot expires; OVERSTOCK: pieces above CPM × maxMonths.',
});

@ObjectType({
  description:
    'One location’s position in one clave, with the inputs of its excess and need: excess = atRisk + overstock − pendingOut; need = ⌈cpm × maxMonths⌉ − usable − inTransit − pendingIn (at least 0; the suggested order’s quantity).',
})
export class StockPosition {
  @Field()
  clues: string;

  @Field(() => Int)
  cpm: number;

  @Field(() => Float)
  maxMonths: number;

  @Field(() => Int)
  usable: number;

  @Field(() => Int)
  inTransit: number;

  @Field(() => Int, { description: 'Approved to come here and not yet dispatched.' })
  pendingIn: number;

  @Field(() => Int, { description: 'Approved to leave from here and not yet dispatched.' })
  pendingOut: number;

  @Field(() => Int)
  atRisk: number;

  @Field(() => Int)
  overstock: number;

  @Field(() => Int)
  excess: number;

  @Field(() => Int)
  need: number;
}

@ObjectType({ description: 'Move pieces of one lot from a CLUES with excess to one with need (SPEC §4, redistribution).' })
export class RedistributionSuggestion {
  fromId: number;
  toId: number;
  supplyItemId: number;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => Int)
  pieces: number;

  @Field(() => RedistributionReasonEnum)
  reason: RedistributionReasonEnum;

  @Field({ description: 'Both CLUES in the same state (paired first).' })
  sameState: boolean;

  @Field(() => StockPosition)
  fromPosition: StockPosition;

  @Field(() => StockPosition)
  toPosition: StockPosition;
}

@InputType({ description: 'Turns a redistribution suggestion into an approved REPLENISHMENT order from one CLUES to another.' })
export class RedistributionOrderInput {
  @Field()
  idempotencyKey: string;

  @Field({ description: 'The CLUES that holds the excess and sends.' })
  fromClues: string;

  @Field({ description: 'The CLUES that needs the pieces and receives.' })
  toClues: string;

  @Field()
  clave: string;

  @Field(() => Int)
  pieces: number;

  @Field(() => String, { nullable: true, description: 'The lot to send (checked to hold the pieces); the dispatch names it.' })
  lotNumber?: string | null;

  @Field(() => DateScalar, { nullable: true })
  promisedOn?: string | null;
}

export const RedistributionOrderSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  fromClues: cluesField,
  toClues: cluesField,
  clave: claveField,
  pieces: piecesField,
  lotNumber: lotNumberField.nullish(),
  promisedOn: z.string().refine(isCalendarDate, { params: { code: ErrorCode.INVALID_DATE }, message: 'Fecha inválida.' }).nullish(),
});
