/** Business dates are calendar days in Mexico City (SPEC §4). */
export const BUSINESS_TIME_ZONE = 'America/Mexico_City';

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: BUSINESS_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

let today = { day: '', from: 0, until: 0 };

/**
 * The Mexico City calendar day of an instant, YYYY-MM-DD. Today's is formatted once a minute: the
 * day changes at local midnight, a whole minute in UTC too (the zone's offsets are whole hours), and
 * every stock page asks for it.
 */
export function businessDay(instant?: Date): string {
  if (instant) return dayFormat.format(instant);
  const now = Date.now();
  if (now < today.from || now >= today.until) {
    const from = now - (now % 60_000);
    today = { day: dayFormat.format(now), from, until: from + 60_000 };
  }
  return today.day;
}
