import { allocateFefo, isUsableOn, LotStock } from '../../src/domain/stock';

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
