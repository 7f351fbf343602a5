import { allocateFefo, compareFefo, isUsableOn, LotStock, monthsOfStock, suggestedQuantity } from '../../src/domain/stock';

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

test('FEFO order: soonest expiry first, no expiry last, ties by lot number in code-point order', () => {
  const sorted = [
    ['b', '2026-01-31'],
    [' A', null],
    ['a', '2026-01-31'],
    ['Z', '2026-01-31'],
    ['x', '2025-12-31'],
  ].sort(([la, ea], [lb, eb]) => compareFefo(ea, la!, eb, lb!));
  expect(sorted.map(([l]) => l)).toEqual(['x', 'Z', 'a', 'b', ' A']);
});

describe('months of stock (SPEC §4: usable / CPM, null when CPM is null or 0)', () => {
  test('60 usable at CPM 40 = 1.5 months', () => expect(monthsOfStock(60, 40)).toBe(1.5));
  test('no CPM, or a CPM of 0: null', () => {
    expect(monthsOfStock(60, null)).toBeNull();
    expect(monthsOfStock(60, 0)).toBeNull();
  });
});

describe('suggested quantity (SPEC §4: the suggested replenishment, and the redistribution need)', () => {
  const p = { cpm: 40, maxMonths: 3, usable: 60, inTransit: 20, pendingIn: 0 };
  test('⌈40 × 3⌉ − 60 − 20 = 40 with nothing pending', () => expect(suggestedQuantity(p)).toBe(40));
  test('less 20 approved and not yet dispatched = 20', () => expect(suggestedQuantity({ ...p, pendingIn: 20 })).toBe(20));
  test('the maximum is rounded up, and the result never goes below zero', () => {
    expect(suggestedQuantity({ cpm: 7, maxMonths: 1.5, usable: 0, inTransit: 0, pendingIn: 0 })).toBe(11);
    expect(suggestedQuantity({ ...p, pendingIn: 500 })).toBe(0);
  });
  test('without a CPM there is nothing to suggest', () => expect(suggestedQuantity({ ...p, cpm: null })).toBeNull());
});
