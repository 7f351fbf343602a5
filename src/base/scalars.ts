import { GraphQLError, GraphQLScalarType, Kind, ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { CALENDAR_YEARS } from '../domain/dates';

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD (2024-02-30 is not one) in CALENDAR_YEARS. */
export function isCalendarDate(value: string): boolean {
  const m = DATE_PATTERN.exec(value);
  if (!m || Number(m[1]) < CALENDAR_YEARS.min || Number(m[1]) > CALENDAR_YEARS.max) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !isCalendarDate(value)) {
    throw new ScalarInputError(`Fecha inválida: se espera un día AAAA-MM-DD entre ${CALENDAR_YEARS.min} y ${CALENDAR_YEARS.max}; recibido ${JSON.stringify(value)}.`);
  }
  return value;
}

/** A calendar day, `YYYY-MM-DD`, with no time zone (business dates are Mexico City days). */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar day written YYYY-MM-DD (business dates are days in America/Mexico_City).',
  // Output dates come from PostgreSQL date columns read as text: the shape is checked, not the calendar.
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : typeof value === 'string' && DATE_PATTERN.test(value) ? value : parseDate(value)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

/** A refused input value of a scalar, in Spanish; the server keeps its message whole (src/graphql/messages.ts). */
export class ScalarInputError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

const dateTimeError = (value: unknown) =>
  new ScalarInputError(
    `Fecha y hora inválidas: se espera ISO 8601 con zona horaria, p. ej. 2025-11-23T09:40:00-06:00 o 2025-11-23T15:40:00Z; recibido ${JSON.stringify(value)}.`,
  );

/**
 * An instant, ISO 8601 with its offset (graphql-scalars' DateTime), refusing bad input in Spanish: every
 * `DateTime` of the schema is this one scalar.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  parseValue(value: unknown) {
    try {
      return DateTimeResolver.parseValue(value);
    } catch {
      throw dateTimeError(value);
    }
  },
  parseLiteral(ast: ValueNode, variables?: Record<string, unknown> | null) {
    try {
      return DateTimeResolver.parseLiteral(ast, variables);
    } catch {
      throw dateTimeError('value' in ast ? ast.value : undefined);
    }
  },
});
