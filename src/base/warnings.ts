import { Field, ObjectType } from 'type-graphql';
import { BACKDATED_WARNING_DAYS, businessDay, daysBetween, isBackdated } from '../domain/dates';
import { expiresSoon, EXPIRES_SOON_WARNING_DAYS } from '../domain/stock';

/**
 * Things worth knowing about a mutation's input that are not errors: the mutation is applied, and its
 * payload carries them in `userWarnings` (Spanish messages, stable codes, like user errors). A retry
 * with the same idempotency key answers the same warnings: each is computed from the input and the
 * moment the first request was recorded, never from "now".
 */
export const WarningCode = {
  /** A lot received into stock with fewer than 90 days left before it expires. */
  LOT_EXPIRES_SOON: 'LOT_EXPIRES_SOON',
  /** A business date more than 30 days before the day it was recorded. */
  BACKDATED: 'BACKDATED',
} as const;
export type WarningCode = (typeof WarningCode)[keyof typeof WarningCode];

@ObjectType({ description: 'Something worth knowing about the input of a mutation that was applied anyway (not an error).' })
export class UserWarning {
  @Field({ description: 'Stable machine-readable code: LOT_EXPIRES_SOON, BACKDATED.' })
  code: string;

  @Field(() => [String], { description: 'Path to the input field, e.g. ["input", "lines", "2", "expiresOn"].' })
  field: string[];

  @Field({ description: 'Explanation in Spanish.' })
  message: string;
}

export function userWarning(code: WarningCode, field: Array<string | number>, message: string): UserWarning {
  return { code, field: ['input', ...field.map(String)], message };
}

/** LOT_EXPIRES_SOON for a lot taken into stock on `day`, when it expires within 90 days of it. */
export function lotExpiresSoonWarning(
  field: Array<string | number>,
  lot: { clave: string; lotNumber: string; expiresOn: string | null },
  day: string,
): UserWarning[] {
  if (!expiresSoon(lot.expiresOn, day)) return [];
  const left = daysBetween(day, lot.expiresOn!);
  return [
    userWarning(
      WarningCode.LOT_EXPIRES_SOON,
      field,
      `El lote ${lot.lotNumber} de ${lot.clave} caduca el ${lot.expiresOn}: le quedan ${left} días (menos de ${EXPIRES_SOON_WARNING_DAYS}). Úselo primero o considere redistribuirlo.`,
    ),
  ];
}

/**
 * BACKDATED for a business date (an instant, or a day) more than 30 days before `recordedAt`, the moment
 * the request was recorded; null (left out: "now") never is.
 */
export function backdatedWarning(field: Array<string | number>, date: Date | string | null | undefined, recordedAt: Date): UserWarning[] {
  if (date === null || date === undefined) return [];
  const day = typeof date === 'string' ? date : businessDay(date);
  const recordedDay = businessDay(recordedAt);
  if (!isBackdated(day, recordedDay)) return [];
  return [
    userWarning(
      WarningCode.BACKDATED,
      field,
      `La fecha ${day} es de hace ${daysBetween(day, recordedDay)} días (más de ${BACKDATED_WARNING_DAYS}): se registró con esa fecha; confirme que es correcta.`,
    ),
  ];
}
