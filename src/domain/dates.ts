/**
 * The years a business date or month may name (a receipt, an expiry, an indicator period, a status
 * change). Anything outside is a typing error or a probe, refused as bad input before it reaches SQL.
 */
export const CALENDAR_YEARS = { min: 1900, max: 2999 } as const;

/** The fiscal years a CPM submission, a procurement plan or an indicator may be asked for. */
export const FISCAL_YEARS = { min: 2000, max: 2200 } as const;

export function isFiscalYear(year: number): boolean {
  return Number.isInteger(year) && year >= FISCAL_YEARS.min && year <= FISCAL_YEARS.max;
}

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

/** Whole days from one calendar day to another (YYYY-MM-DD; negative when `to` comes first). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A business event dated more than this many days before the day it is recorded is worth a warning (BACKDATED). */
export const BACKDATED_WARNING_DAYS = 30;

/** Whether a business day lies more than BACKDATED_WARNING_DAYS before the day it is recorded on. */
export function isBackdated(day: string, recordedDay: string): boolean {
  return daysBetween(day, recordedDay) > BACKDATED_WARNING_DAYS;
}

/** The calendar day `days` after `day` (before, when negative), both YYYY-MM-DD. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The last day of the month `month` (YYYY-MM), as YYYY-MM-DD. */
export function lastDayOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}
