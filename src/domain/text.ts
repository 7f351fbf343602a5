/** Upper-case, accents removed, inner white space folded: "Clave de la Institución" → "CLAVE DE LA INSTITUCION". */
export function normalizeLabel(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toUpperCase();
}
