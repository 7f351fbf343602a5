import { GraphQLError } from 'graphql';
import { Field, ObjectType } from 'type-graphql';
import { ZodError, ZodIssue } from 'zod';

/**
 * Stable codes of user errors. Clients switch on these; never rename one.
 * Messages are in Spanish, for the person at the counter.
 */
export const ErrorCode = {
  INVALID_CLUES: 'INVALID_CLUES',
  CLUES_STATE_MISMATCH: 'CLUES_STATE_MISMATCH',
  UNKNOWN_STATE: 'UNKNOWN_STATE',
  UNKNOWN_CLUES: 'UNKNOWN_CLUES',
  NOT_A_WAREHOUSE: 'NOT_A_WAREHOUSE',
  INVALID_CLAVE: 'INVALID_CLAVE',
  UNKNOWN_CLAVE: 'UNKNOWN_CLAVE',
  REQUIRED: 'REQUIRED',
  TOO_LONG: 'TOO_LONG',
  TOO_MANY: 'TOO_MANY',
  MUST_BE_POSITIVE: 'MUST_BE_POSITIVE',
  NOT_INTEGER: 'NOT_INTEGER',
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  INVALID_DATE: 'INVALID_DATE',
  DATE_IN_FUTURE: 'DATE_IN_FUTURE',
  INVALID_VALUE: 'INVALID_VALUE',
  INCONSISTENT: 'INCONSISTENT',
  SELF_SUPPLY: 'SELF_SUPPLY',
  SUPPLY_CYCLE: 'SUPPLY_CYCLE',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  INSUFFICIENT_STOCK: 'INSUFFICIENT_STOCK',
  INSUFFICIENT_STOCK_AT_DATE: 'INSUFFICIENT_STOCK_AT_DATE',
  UNKNOWN_LOT: 'UNKNOWN_LOT',
  LOT_EXPIRED: 'LOT_EXPIRED',
  LOT_EXPIRY_MISMATCH: 'LOT_EXPIRY_MISMATCH',
  DUPLICATE_LINE: 'DUPLICATE_LINE',
  UNKNOWN_MOVEMENT: 'UNKNOWN_MOVEMENT',
  ALREADY_REVERSED: 'ALREADY_REVERSED',
  NOT_REVERSIBLE: 'NOT_REVERSIBLE',
  INVALID_TEXT: 'INVALID_TEXT',
  INVALID_GTIN: 'INVALID_GTIN',
  GTIN_LINKED_ELSEWHERE: 'GTIN_LINKED_ELSEWHERE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

@ObjectType({ description: 'A problem with the input of a mutation. A mutation that returns any changes nothing.' })
export class UserError {
  @Field({ description: 'Stable machine-readable code, e.g. INVALID_CLUES.' })
  code: string;

  @Field(() => [String], { description: 'Path to the input field, e.g. ["input", "lines", "2", "clave"].' })
  field: string[];

  @Field({ description: 'Explanation in Spanish.' })
  message: string;
}

/** Thrown inside a mutation's use case; the mutation rolls back and returns the errors. */
export class UserInputError extends Error {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
  }
}

export function userError(code: ErrorCode | string, field: Array<string | number>, message: string): UserError {
  return { code, field: ['input', ...field.map(String)], message };
}

/** Throws a single user error. */
export function fail(code: ErrorCode | string, field: Array<string | number>, message: string): never {
  throw new UserInputError([userError(code, field, message)]);
}

/**
 * Runs a check that throws user errors and adds them to `errors` instead, so that the checks after it
 * still run and the caller answers every problem of the input at once (SPEC §5: a mutation with any
 * user error changes nothing — the caller throws them all before it commits). Returns the check's
 * result, or undefined when it failed.
 */
export async function gather<T>(errors: UserError[], check: () => Promise<T>): Promise<T | undefined> {
  try {
    return await check();
  } catch (err) {
    if (!(err instanceof UserInputError)) throw err;
    errors.push(...err.errors);
    return undefined;
  }
}

/** Throws the user errors gathered so far, if there are any. */
export function throwIfAny(errors: UserError[]): void {
  if (errors.length) throw new UserInputError(errors);
}

/**
 * Translates zod issues into user errors. A schema names its own code with
 * `{ params: { code } }` on a refinement; otherwise the issue kind decides.
 */
export function fromZod(error: ZodError): UserError[] {
  return error.issues.map((issue) => userError(codeOf(issue), issue.path, messageOf(issue)));
}

function codeOf(issue: ZodIssue): string {
  if (issue.code === 'custom' && issue.params?.code) return issue.params.code as string;
  switch (issue.code) {
    case 'too_big':
      return issue.type === 'string' ? ErrorCode.TOO_LONG : issue.type === 'array' ? ErrorCode.TOO_MANY : ErrorCode.OUT_OF_RANGE;
    case 'too_small':
      if ((issue.type === 'string' || issue.type === 'array') && issue.minimum === 1) return ErrorCode.REQUIRED;
      return issue.type === 'number' && issue.minimum === 1 ? ErrorCode.MUST_BE_POSITIVE : ErrorCode.OUT_OF_RANGE;
    case 'invalid_type':
      if (issue.received === 'undefined' || issue.received === 'null') return ErrorCode.REQUIRED;
      return issue.expected === 'integer' ? ErrorCode.NOT_INTEGER : ErrorCode.INVALID_VALUE;
    case 'not_multiple_of':
      return ErrorCode.NOT_INTEGER;
    default:
      return ErrorCode.INVALID_VALUE;
  }
}

function messageOf(issue: ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  switch (issue.code) {
    case 'too_big':
      return issue.type === 'string'
        ? `Texto demasiado largo: máximo ${issue.maximum} caracteres.`
        : issue.type === 'array'
          ? `Demasiados elementos: máximo ${issue.maximum}.`
          : `Valor demasiado grande: máximo ${issue.maximum}.`;
    case 'too_small':
      if (issue.type === 'string' && issue.minimum === 1) return 'Campo obligatorio: no puede estar vacío.';
      if (issue.type === 'array' && issue.minimum === 1) return 'Incluya al menos una línea.';
      if (issue.type === 'number' && issue.minimum === 1) return 'Debe ser un número entero positivo.';
      if (issue.type === 'number' && issue.minimum === 0) return 'No puede ser negativo.';
      return `Valor demasiado pequeño: mínimo ${issue.minimum}.`;
    case 'invalid_type':
      return issue.received === 'undefined' || issue.received === 'null'
        ? 'Campo obligatorio.'
        : issue.expected === 'integer'
          ? 'Debe ser un número entero de piezas.'
          : 'Tipo de dato inválido.';
    case 'invalid_enum_value':
      return `Valor no permitido; se acepta: ${issue.options.join(', ')}.`;
    default:
      return 'Valor inválido.';
  }
}

/** Top-level errors: the request as a whole is refused. Neither says whether the object exists. */
export function unauthenticated(): GraphQLError {
  return new GraphQLError('Se requiere autenticación: envíe un token Bearer válido.', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

export function forbidden(message = 'No tiene permiso para esta operación o este objeto.'): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'FORBIDDEN' },
  });
}

export function badRequest(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * Runs a mutation's use case and shapes its payload: the result under its own name, or the
 * user errors (the use case's transaction has rolled back, so nothing was written).
 */
export async function payload<K extends string, T>(
  name: K,
  work: () => Promise<T>,
): Promise<{ [P in K]: T | null } & { userErrors: UserError[] }> {
  try {
    const result = await work();
    return { [name]: result, userErrors: [] } as { [P in K]: T | null } & { userErrors: UserError[] };
  } catch (err) {
    if (err instanceof UserInputError) {
      return { [name]: null, userErrors: err.errors } as { [P in K]: T | null } & { userErrors: UserError[] };
    }
    throw err;
  }
}
