import { normalizeLabel } from './text';

/**
 * Pieces per package read from the Compendio's "Presentación y envase", the way a pharmacist reads it:
 *
 *   "Envase con 20 tabletas."                          → 20
 *   "Envase con un frasco ámpula y una ampolleta…"     → 1   (number words: un, una, dos… cien)
 *   "Envase con 10 ampolletas de 2 ml."                → 10  (the first count is the pieces; "de 2 ml" their content)
 *   "Envase con frasco gotero con 15 ml."              → 1   (a container named without a number is one)
 *   "Envase con 120 ml."                               → 1   (a quantity of content is one container of it)
 *
 * Null when it cannot be read for sure: no "<envase> con …" to start from, alternatives ("10 o 20
 * tabletas", "10, 20 ó 30"), a plural with no number ("Envase con tabletas"), or two presentations in the
 * text that say different counts. A null is reported to the person importing, never guessed.
 */
export function piecesFromPresentation(text: string): number | null {
  const sentences = normalizeLabel(text)
    .replace(/\s+/g, ' ')
    .split(/\.\s+|\.$|;\s*/)
    .map((s) => s.trim())
    .filter(Boolean);
  let found: number | null = null;
  for (const sentence of sentences) {
    const match = CONTAINER_WITH.exec(sentence);
    if (!match) continue;
    const count = countAt(sentence.slice(match[0].length));
    if (count === null) return null;
    if (found !== null && found !== count) return null; // "Envase con 14 tabletas. Envase con 28 tabletas."
    found = count;
  }
  return found;
}

/** "ENVASE CON ", "CAJA CON ", "ENVASE COLECTIVO CON "… at the start of a sentence (after normalizeLabel). */
const CONTAINER_WITH = /^(?:ENVASE|CAJA|ESTUCHE|BOLSA|PAQUETE|EMPAQUE|BLISTER)(?: [A-Z]+)? CON /;

const WORDS = new Map<string, number>([
  ['UN', 1], ['UNA', 1], ['UNO', 1], ['DOS', 2], ['TRES', 3], ['CUATRO', 4], ['CINCO', 5], ['SEIS', 6],
  ['SIETE', 7], ['OCHO', 8], ['NUEVE', 9], ['DIEZ', 10], ['ONCE', 11], ['DOCE', 12], ['QUINCE', 15],
  ['VEINTE', 20], ['VEINTICINCO', 25], ['TREINTA', 30], ['CUARENTA', 40], ['CINCUENTA', 50], ['SESENTA', 60], ['CIEN', 100],
]);

/** Units of content: "120 ML" is how much one container holds, not how many containers. */
const CONTENT_UNIT = /^(?:ML|MILILITROS?|L|LITROS?|G|GR|GRAMOS?|MG|MCG|UG|KG|UI|U|DOSIS|CM|CM2|M|MM|%)\b/;

/** The count at the start of what follows "con". */
function countAt(rest: string): number | null {
  const tokens = rest.split(' ');
  const [first, second = '', third = ''] = tokens;
  let n: number | undefined;
  let next: string;
  if (/^\d{1,3}(?:,\d{3})+$/.test(first)) {
    n = Number(first.replace(/,/g, '')); // 1,000
    next = second;
  } else if (/^\d+$/.test(first)) {
    n = Number(first);
    next = second;
  } else if (/^\d+[.,]\d+$/.test(first)) {
    // 2.5 ML: content of one container; a decimal count of pieces means nothing
    return CONTENT_UNIT.test(second) ? 1 : null;
  } else if (WORDS.has(first)) {
    n = WORDS.get(first)!;
    next = second;
  } else {
    // "Envase con frasco gotero…": one container, named in the singular without a number
    return /^[A-Z]+$/.test(first) && !first.endsWith('S') && !['Y', 'O', 'DE', 'LA', 'EL'].includes(first) ? 1 : null;
  }
  // alternatives: "10 O 20", "1 Ó 5" (accent removed), "10, 20"
  if (next === 'O' || next === 'U' || /^\d/.test(next) || rest.startsWith(`${first}, `) || (next === 'A' && /^\d/.test(third))) return null;
  if (next === '' || n < 1) return null;
  return CONTENT_UNIT.test(next) ? 1 : n;
}
