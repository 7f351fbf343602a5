/** Business dates are calendar days in Mexico City (SPEC §4). */
export const BUSINESS_TIME_ZONE = 'America/Mexico_City';

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: BUSINESS_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Mexico City calendar day of an instant, YYYY-MM-DD. */
export function businessDay(instant: Date = new Date()): string {
  return dayFormat.format(instant);
}
