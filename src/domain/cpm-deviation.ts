/**
 * How far a submitted CPM is from the calculated one, and when that needs a justification (SPEC §4):
 * deviation = (cpm − calculated) / calculated; beyond ±50 % (or with nothing calculated) the unit says why.
 * The server refuses a line without it (cpmSubmissionUpdate) and the counter app asks before sending.
 */
export const JUSTIFICATION_THRESHOLD = 0.5;

export function cpmDeviation(cpm: number, calculated: number | null | undefined): number | null {
  return calculated ? (cpm - calculated) / calculated : null;
}

export function needsJustification(cpm: number, calculated: number | null | undefined): boolean {
  return calculated === null || calculated === undefined ? true : Math.abs(cpm - calculated) > JUSTIFICATION_THRESHOLD * calculated;
}
