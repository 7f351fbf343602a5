import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { z } from 'zod';
import { DateScalar } from '../../base/scalars';
import { UserError } from '../../base/errors';
import { calendarDateField, claveField, cluesField, idempotencyKeyField, stateCodeField, text } from '../../base/validation';
import { LevelOfCare } from '../../domain/enums';

export enum KitSizeSource {
  OVERRIDE = 'OVERRIDE',
  TYPOLOGY_RULE = 'TYPOLOGY_RULE',
  NUCLEOS_BASICOS = 'NUCLEOS_BASICOS',
  DEFAULT = 'DEFAULT',
}
registerEnumType(KitSizeSource, {
  name: 'KitSizeSource',
  description:
    'Where a unit\'s kits a month come from: its own OVERRIDE (kitsPerMonthSet), its typology\'s rule (TYPOLOGY_RULE, kitSizeRuleSet), the núcleos básicos its DGIS typology names (NUCLEOS_BASICOS: "URBANO DE 03 NÚCLEOS BÁSICOS" → 3), else one (DEFAULT).',
});

export enum DistributionMode {
  FULL_KIT = 'FULL_KIT',
  TOP_UP = 'TOP_UP',
}
registerEnumType(DistributionMode, {
  name: 'DistributionMode',
  description: 'FULL_KIT: each unit its kits × the kit\'s pieces. TOP_UP: up to that standard, less what the unit holds usable and has on the way (never below 0).',
});

/** A kit's months in words, for messages. */
export const KIT_SIZE_SOURCE_LABEL: Readonly<Record<KitSizeSource, string>> = {
  OVERRIDE: 'fijado para la unidad',
  TYPOLOGY_RULE: 'regla de su tipología',
  NUCLEOS_BASICOS: 'núcleos básicos de su tipología DGIS',
  DEFAULT: 'uno por omisión',
};

@ObjectType({ description: 'How many kits a unit gets a month, and where that comes from.' })
export class KitSize {
  @Field(() => Int)
  kits: number;

  @Field(() => KitSizeSource)
  source: KitSizeSource;

  @Field({ description: 'In Spanish, e.g. "3 kits: núcleos básicos de su tipología DGIS (URBANO DE 03 NÚCLEOS BÁSICOS)".' })
  explanation: string;
}

@ObjectType({ description: 'One clave of a kit and its pieces per kit.' })
export class KitTemplateLine {
  @Field()
  clave: string;

  @Field(() => Int)
  pieces: number;

  supplyItemId: number;
}

@ObjectType({ description: 'A kit of Rutas de la Salud: one version of a code, for a level of care, in force between two days.' })
export class KitTemplate {
  id: number;

  @Field(() => ID, { name: 'id' })
  get globalId(): string {
    return `KitTemplate:${this.code}:${this.version}`;
  }

  @Field()
  code: string;

  @Field(() => Int)
  version: number;

  @Field()
  name: string;

  @Field(() => LevelOfCare)
  levelOfCare: LevelOfCare;

  @Field(() => DateScalar)
  validFrom: string;

  @Field(() => DateScalar, { nullable: true, description: 'Last day in force; null: open.' })
  validTo: string | null;

  @Field(() => [KitTemplateLine])
  lines: KitTemplateLine[];

  @Field(() => Int, { description: 'Pieces in one kit, all claves.' })
  get pieces(): number {
    return this.lines.reduce((sum, l) => sum + l.pieces, 0);
  }
}

@InputType()
export class KitTemplateLineInput {
  @Field()
  clave: string;

  @Field(() => Int)
  pieces: number;
}

@InputType({ description: 'A new version of a kit (the first when the code is new). The version before it, if open, ends the day before validFrom.' })
export class KitTemplateCreateInput {
  @Field({ description: 'e.g. KIT-PN (capital letters, digits, - and _).' })
  code: string;

  @Field()
  name: string;

  @Field(() => LevelOfCare)
  levelOfCare: LevelOfCare;

  @Field(() => DateScalar)
  validFrom: string;

  @Field(() => DateScalar, { nullable: true })
  validTo?: string | null;

  @Field(() => [KitTemplateLineInput])
  lines: KitTemplateLineInput[];
}

export const codeField = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,39}$/, 'Código inválido: letras mayúsculas, dígitos, - y _, hasta 40 caracteres (p. ej. KIT-PN).');

export const KitTemplateCreateSchema = z.object({
  code: codeField,
  name: text(200),
  levelOfCare: z.nativeEnum(LevelOfCare),
  validFrom: calendarDateField,
  validTo: calendarDateField.optional().nullable(),
  lines: z
    .array(z.object({ clave: claveField, pieces: z.number().int().min(1).max(1_000_000) }))
    .max(1000),
});

@ObjectType()
export class KitTemplatePayload {
  @Field(() => KitTemplate, { nullable: true })
  kitTemplate: KitTemplate | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: 'A stop of a route, in delivery order.' })
export class RouteStop {
  @Field(() => Int)
  position: number;

  @Field()
  clues: string;

  establishmentId: number;
}

@ObjectType({ description: 'A route of Rutas de la Salud: from a warehouse, by a carrier, in a week of the month, its stops in order.' })
export class Route {
  id: number;

  @Field(() => ID, { name: 'id' })
  get globalId(): string {
    return `Route:${this.code}`;
  }

  @Field()
  code: string;

  @Field()
  name: string;

  @Field({ description: 'CLUES of the warehouse it leaves from.' })
  warehouseClues: string;

  warehouseId: number;
  warehouseEstablishmentId: number;

  @Field({ description: 'Who drives it: Birmex, Correos de México…' })
  carrier: string;

  @Field(() => Int, { description: 'Week of the month it delivers: 1 = days 1–7, 2 = 8–14, 3 = 15–21, 4 = 22–28, 5 = 29 to the end.' })
  deliveryWeek: number;

  @Field({ description: 'The kit it carries (KitTemplate.code).' })
  kitTemplateCode: string;

  @Field(() => [RouteStop])
  stops: RouteStop[];
}

@InputType({ description: 'Creates a route or replaces one (by code): its warehouse, carrier, week, kit and stops in order.' })
export class RouteUpsertInput {
  @Field()
  code: string;

  @Field()
  name: string;

  @Field()
  warehouseClues: string;

  @Field()
  carrier: string;

  @Field(() => Int)
  deliveryWeek: number;

  @Field()
  kitTemplateCode: string;

  @Field(() => [String], { description: 'CLUES of the stops, in delivery order.' })
  stops: string[];
}

export const RouteUpsertSchema = z.object({
  code: codeField,
  name: text(200),
  warehouseClues: cluesField,
  carrier: text(100),
  deliveryWeek: z.number().int().min(1).max(5),
  kitTemplateCode: codeField,
  stops: z.array(cluesField).min(1).max(1000),
});

@ObjectType()
export class RoutePayload {
  @Field(() => Route, { nullable: true })
  route: Route | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType({ description: 'Fixes a unit\'s kits a month (kits null: back to its typology\'s rule).' })
export class KitsPerMonthSetInput {
  @Field()
  clues: string;

  @Field(() => Int, { nullable: true })
  kits?: number | null;

  @Field({ description: 'Why (shown with the figure).' })
  reason: string;
}

export const KitsPerMonthSetSchema = z.object({
  clues: cluesField,
  kits: z.number().int().min(0).max(100).optional().nullable(),
  reason: text(500),
});

@ObjectType()
export class KitsPerMonthPayload {
  @Field(() => KitSize, { nullable: true })
  kitsPerMonth: KitSize | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType({ description: 'Kits a month for every unit of a DGIS typology (kits null: back to its núcleos básicos).' })
export class KitSizeRuleSetInput {
  @Field({ description: 'CLAVE DE TIPOLOGIA, e.g. CSR.' })
  typologyCode: string;

  @Field(() => Int, { nullable: true })
  kits?: number | null;
}

export const KitSizeRuleSetSchema = z.object({
  typologyCode: z.string().trim().toUpperCase().min(1).max(20),
  kits: z.number().int().min(0).max(100).optional().nullable(),
});

@ObjectType()
export class KitSizeRule {
  @Field()
  typologyCode: string;

  @Field(() => Int, { nullable: true })
  kits: number | null;
}

@ObjectType()
export class KitSizeRulePayload {
  @Field(() => KitSizeRule, { nullable: true })
  kitSizeRule: KitSizeRule | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType({ description: 'A month\'s round: an approved order per unit on the chosen routes, from each route\'s warehouse.' })
export class DistributionRoundCreateInput {
  @Field()
  idempotencyKey: string;

  @Field({ description: 'YYYY-MM; this month or a later one.' })
  month: string;

  @Field({ description: 'KitTemplate.code; the version in force in the month is used.' })
  kitTemplate: string;

  @Field(() => [String], { nullable: true, description: 'Only units of these states (INEGI codes).' })
  stateCodes?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only these routes (codes); all the kit\'s routes when left out.' })
  routes?: string[] | null;

  @Field(() => DistributionMode)
  mode: DistributionMode;
}

export const monthField = z
  .string()
  .trim()
  .regex(/^(19|20|21)\d{2}-(0[1-9]|1[0-2])$/, 'Mes inválido: se espera AAAA-MM, p. ej. 2025-09.');

export const DistributionRoundCreateSchema = z.object({
  idempotencyKey: idempotencyKeyField,
  month: monthField,
  kitTemplate: codeField,
  stateCodes: z.array(stateCodeField).max(32).optional().nullable(),
  routes: z.array(codeField).max(5000).optional().nullable(),
  mode: z.nativeEnum(DistributionMode),
});

@ObjectType({ description: 'One clave of a round at one warehouse: what the units needed, what the warehouse had, what it sends.' })
export class DistributionRoundClave {
  @Field()
  clave: string;

  supplyItemId: number;

  @Field()
  warehouseClues: string;

  @Field(() => Int, { description: 'Pieces the units need (Σ order lines requested).' })
  planned: number;

  @Field(() => Int, { description: 'Usable pieces at the warehouse not already promised, when the round was made.' })
  available: number;

  @Field(() => Int, { description: 'Pieces allocated (Σ approved): planned when enough, else the fair share of available.' })
  allocated: number;

  @Field(() => Int, { description: 'Units that need the clave.' })
  units: number;

  @Field(() => Int, { description: 'Units that get less than they need.' })
  shortUnits: number;
}

@ObjectType({ description: 'A route of a round: its units and how far delivery has got.' })
export class DistributionRoundRoute {
  @Field()
  code: string;

  @Field()
  name: string;

  @Field()
  carrier: string;

  @Field(() => Int)
  deliveryWeek: number;

  @Field(() => DateScalar, { description: 'The last day of its delivery week in the round\'s month: received by then is on time.' })
  deliverBy: string;

  @Field()
  warehouseClues: string;

  @Field(() => Int)
  units: number;

  @Field(() => Int)
  kits: number;

  @Field(() => Int, { description: 'Units whose order has been dispatched (a shipment on the road or received).' })
  dispatched: number;

  @Field(() => Int, { description: 'Units that received their kits.' })
  received: number;
}

export enum RoundSkipReason {
  NOT_AUTHORIZED = 'NOT_AUTHORIZED',
  NO_NEED = 'NO_NEED',
  NOTHING_ALLOCATED = 'NOTHING_ALLOCATED',
}
registerEnumType(RoundSkipReason, {
  name: 'RoundSkipReason',
  description: 'Why a unit on the round\'s routes got no order.',
  valuesConfig: {
    NOT_AUTHORIZED: { description: 'No clave of the kit is authorised for its level or typology.' },
    NO_NEED: { description: 'TOP_UP: it holds, has on the way or has approved the standard of every clave.' },
    NOTHING_ALLOCATED: { description: 'It needed pieces its warehouse did not have free.' },
  },
});

@ObjectType({ description: 'A unit on the round\'s routes that got no order, and why (a later round of the month may still supply it).' })
export class DistributionRoundSkip {
  @Field()
  clues: string;

  @Field()
  name: string;

  @Field()
  routeCode: string;

  @Field(() => Int, { description: 'Its stop on the route.' })
  position: number;

  @Field(() => Int, { description: 'Kits a month it would have had.' })
  kits: number;

  @Field(() => RoundSkipReason)
  reason: RoundSkipReason;

  @Field({ description: 'In Spanish.' })
  message: string;
}

@ObjectType({ description: 'A month\'s round of Rutas de la Salud.' })
export class DistributionRound {
  id: number;

  @Field(() => ID, { name: 'id' })
  get globalId(): string {
    return `DistributionRound:${this.number}`;
  }

  @Field()
  number: string;

  @Field({ description: 'YYYY-MM.' })
  month: string;

  kitTemplateId: number;

  @Field(() => DistributionMode)
  mode: DistributionMode;

  @Field(() => [String], { nullable: true })
  stateCodes: string[] | null;

  /** As the round was asked for; the field shows those in the caller's scope. */
  routeCodes: string[] | null;

  @Field()
  createdAt: Date;

  @Field()
  createdBy: string;

  // units, kits: field resolvers (in the caller's scope)
}

@ObjectType()
export class DistributionRoundPayload {
  @Field(() => DistributionRound, { nullable: true })
  round: DistributionRound | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}
