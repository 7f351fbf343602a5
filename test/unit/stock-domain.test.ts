import { allocateFefo, isUsableOn, LotStock, shortfall } from '../../src/domain/stock';

const lots: LotStock[] = [
  { lotId: 1, lotNumber: 'L-NOEXP', expiresOn: null, quantity: 100 },
  { lotId: 2, lotNumber: 'L-2026-03', expiresOn: '2026-03-31', quantity: 10 },
  { lotId: 3, lotNumber: 'L-2025-12', expiresOn: '2025-12-31', quantity: 5 },
  { lotId: 4, lotNumber: 'L-OLD', expiresOn: '2025-01-31', quantity: 40 },
  { lotId: 5, lotNumber: 'L-EMPTY', expiresOn: '2025-06-30', quantity: 0 },
];

test('a lot is usable through its expiry day', () => {
  expect(isUsableOn('2025-12-31', '2025-12-31')).toBe(true);
  expect(isUsableOn('2025-12-31', '2026-01-01')).toBe(false);
  expect(isUsableOn(null, '2099-01-01')).toBe(true);
});

test('FEFO takes the soonest usable expiry first, skips expired and empty lots, no-expiry last', () => {
  const r = allocateFefo(lots, 18, '2025-11-23');
  expect(r).toEqual({
    ok: true,
    takes: [
      { lot: lots[2], quantity: 5 },
      { lot: lots[1], quantity: 10 },
      { lot: lots[0], quantity: 3 },
    ],
  });
});

test('FEFO reports the usable total when it is not enough (expired pieces do not count)', () => {
  expect(allocateFefo(lots, 116, '2025-11-23')).toEqual({ ok: false, usable: 115 });
  expect(allocateFefo(lots, 111, '2026-01-01')).toEqual({ ok: false, usable: 110 }); // 100 + 10: L-2025-12 has expired
});

describe('shortfall (SPEC §4: the suggested replenishment, and the redistribution need)', () => {
  const p = { cpm: 40, maxMonths: 3, usable: 60, inTransit: 20 };
  test('⌈40 × 3⌉ − 60 − 20 = 40 with nothing pending', () => expect(shortfall(p)).toBe(40));
  test('less 20 approved and not yet dispatched = 20', () => expect(shortfall(p, 20)).toBe(20));
  test('the maximum is rounded up, and the result never goes below zero', () => {
    expect(shortfall({ cpm: 7, maxMonths: 1.5, usable: 0, inTransit: 0 })).toBe(11);
    expect(shortfall(p, 500)).toBe(0);
  });
});
