import { StateRecord, stateByCluesPrefix } from './states';

/**
 * CLUES (Clave Única de Establecimientos de Salud): 2-letter state prefix, 3-letter institution,
 * 6 digits — e.g. DFSSA004936.
 */
export const CLUES_PATTERN = /^[A-Z]{2}[A-Z]{3}[0-9]{6}$/;

export function isCluesFormat(value: string): boolean {
  return CLUES_PATTERN.test(value);
}

/** The state a well-formed CLUES belongs to by its prefix, or undefined for an unknown prefix. */
export function stateOfClues(clues: string): StateRecord | undefined {
  return isCluesFormat(clues) ? stateByCluesPrefix(clues.slice(0, 2)) : undefined;
}

/** The institution code inside a CLUES (SSA, IMB, ...). */
export function institutionOfClues(clues: string): string {
  return clues.slice(2, 5);
}

/** Trim and upper-case user input so `dfssa004936 ` is accepted as DFSSA004936. */
export function normalizeClues(value: string): string {
  return value.trim().toUpperCase();
}
