import { z } from 'zod';
import { CLAVE_PATTERN } from '../domain/clave';
import { CLUES_PATTERN, normalizeClues } from '../domain/clues';
import { businessDay } from '../domain/dates';
import { stateByCode } from '../domain/states';
import { ErrorCode, fromZod, UserInputError } from './errors';
import { isCalendarDate } from './scalars';

/** Field schemas shared by every module's inputs; each names the stable code of its failure. */

export const cluesField = z
  .string()
  .max(40, 'CLUES demasiado larga: tiene 11 caracteres.')
  .transform(normalizeClues)
  .refine((v) => CLUES_PATTERN.test(v), {
    params: { code: ErrorCode.INVALID_CLUES },
    message: 'CLUES con formato inválido: se esperan 2 letras de entidad, 3 de institución y 6 dígitos (p. ej. DFSSA004936).',
  });

export const claveField = z
  .string()
  .max(40, 'Clave demasiado larga: tiene 15 caracteres.')
  .transform((v) => v.trim())
  .refine((v) => CLAVE_PATTERN.test(v), {
    params: { code: ErrorCode.INVALID_CLAVE },
    message: 'Clave con formato inválido: se espera GGG.GGG.GGGG.VV (p. ej. 010.000.0104.00).',
  });

export const stateCodeField = z
  .string()
  .max(2, 'La clave de entidad tiene 2 dígitos.')
  .refine((v) => stateByCode(v) !== undefined, {
    params: { code: ErrorCode.UNKNOWN_STATE },
    message: 'Entidad desconocida: use la clave INEGI de 01 a 32.',
  });

/** A client's idempotency key (SPEC §5): unique per operation, chosen by the caller. */
export const idempotencyKeyField = z.string().trim().min(1).max(200);

/** Pieces moved, ordered or sent: a whole number, at least one. */
export const piecesField = z.number().int().min(1).max(100_000_000);

/** A real calendar day, AAAA-MM-DD. */
export const calendarDateField = z
  .string()
  .refine(isCalendarDate, { params: { code: ErrorCode.INVALID_DATE }, message: 'Fecha inválida: use AAAA-MM-DD.' });

/** Trimmed text; an empty string after trimming counts as missing. */
export function text(max: number) {
  return z
    .string()
    .transform((v) => v.trim())
    .pipe(z.string().min(1).max(max));
}

/**
 * Characters a reader cannot see: controls, format characters (zero-width, bidirectional overrides, soft
 * hyphen), line/paragraph separators, and every default-ignorable code point (combining grapheme joiner,
 * variation selectors, Hangul fillers…).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/**
 * An identifier a person types or scans: a lot number, a prescription folio, a supplier's document.
 * Two that look the same must be the same: NFKC folds compatibility forms (full-width ＲＴ３ is RT3),
 * and an invisible or control character (RT\u200b3, a bidi override) is refused with INVALID_TEXT
 * rather than silently making another lot.
 */
export function identifier(max: number) {
  return z
    .string()
    .transform((v) => v.normalize('NFKC').trim())
    .refine((v) => !INVISIBLE.test(v), {
      params: { code: ErrorCode.INVALID_TEXT },
      message: 'El texto contiene caracteres invisibles o de control (p. ej. espacios de ancho cero): escríbalo de nuevo sin ellos.',
    })
    .pipe(z.string().min(1).max(max));
}

/** A lot number (lote) as the ledger keys it. */
export const lotNumberField = identifier(60);

/** Clock skew allowed between a client and the server for a business instant. */
export const SKEW_MS = 5 * 60 * 1000;

/**
 * A business instant (`occurredAt`, `receivedAt`, `countedAt`, `dispatchedAt`): may be back-dated, not
 * in the future, not before 2000. Left out, it is null — "when it is written": the ledger dates the
 * movement by the database clock once the balances it touches are locked, so concurrent writers are
 * ordered in business time as they were applied (a default taken when the request arrived could date
 * a consumption before a receipt that committed first while it waited).
 */
export const businessInstant = z
  .date()
  .nullish()
  .transform((d) => d ?? null)
  .refine((d) => d === null || d.getTime() <= Date.now() + SKEW_MS, {
    params: { code: ErrorCode.DATE_IN_FUTURE },
    message: 'La fecha y hora no pueden ser posteriores a ahora.',
  })
  .refine((d) => d === null || d.getUTCFullYear() >= 2000, { params: { code: ErrorCode.OUT_OF_RANGE }, message: 'Fecha anterior al año 2000.' });

/** A business date: a real calendar day, not after today in Mexico City. */
export const pastOrTodayDate = calendarDateField.refine((d) => d <= businessDay(), {
  params: { code: ErrorCode.DATE_IN_FUTURE },
  message: 'La fecha no puede ser posterior a hoy.',
});

/** Parses input with a schema or throws every problem as user errors. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UserInputError(fromZod(parsed.error));
  return parsed.data;
}
