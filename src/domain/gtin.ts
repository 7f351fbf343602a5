/**
 * GS1 Global Trade Item Numbers (GTIN-8, -12, -13, -14) as printed under a barcode or carried by AI (01).
 * One GTIN has one 14-digit form: the shorter ones are the same number padded with leading zeros, so an
 * EAN-13 7501234567893 and its GTIN-14 07501234567893 are the same product.
 */

const GTIN_LENGTHS = new Set([8, 12, 13, 14]);

/** The GS1 mod-10 check digit of the digits before it (weights 3 and 1 from the right). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

export type GtinProblem = 'FORMAT' | 'CHECK_DIGIT';

/**
 * The 14-digit form of a GTIN written with 8, 12, 13 or 14 digits (spaces and hyphens ignored), or why
 * it is not one: FORMAT (not 8/12/13/14 digits) or CHECK_DIGIT (the last digit does not match).
 */
export function normalizeGtin(value: string): { ok: true; gtin: string } | { ok: false; problem: GtinProblem } {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^[0-9]+$/.test(digits) || !GTIN_LENGTHS.has(digits.length)) return { ok: false, problem: 'FORMAT' };
  const gtin = digits.padStart(14, '0');
  if (gs1CheckDigit(gtin.slice(0, 13)) !== Number(gtin[13])) return { ok: false, problem: 'CHECK_DIGIT' };
  return { ok: true, gtin };
}

/** Spanish explanation of a GtinProblem, for the person scanning or typing. */
export function gtinProblemMessage(problem: GtinProblem, value: string): string {
  return problem === 'FORMAT'
    ? `"${value}" no es un GTIN: se esperan 8, 12, 13 o 14 dígitos (p. ej. el código de barras 7501234567893).`
    : `El GTIN ${value} tiene el dígito verificador equivocado: revise que lo haya leído o copiado completo.`;
}
