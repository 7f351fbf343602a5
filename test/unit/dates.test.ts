import { businessDay } from '../../src/domain/dates';

test("today's business day turns at Mexico City's midnight, to the millisecond, though it is formatted once a minute", () => {
  jest.useFakeTimers();
  try {
    // Mexico City is UTC-6 (no daylight saving since 2022): local midnight is 06:00 UTC.
    jest.setSystemTime(new Date('2026-03-14T05:59:59.999Z'));
    expect(businessDay()).toBe('2026-03-13');
    jest.setSystemTime(new Date('2026-03-14T06:00:00.000Z'));
    expect(businessDay()).toBe('2026-03-14');
    // a clock set back is followed too
    jest.setSystemTime(new Date('2026-03-13T12:00:00.000Z'));
    expect(businessDay()).toBe('2026-03-13');
    expect(businessDay(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
    expect(businessDay(new Date('2027-01-01T06:30:00Z'))).toBe('2027-01-01');
  } finally {
    jest.useRealTimers();
  }
});
