import { TargetBand, targetBand } from '../../src/modules/indicators/indicator.types';
import { isPartialMonth, TARGET_BANDS } from '../../src/modules/indicators/indicators';

/** The bands the dashboard colours by (issue 18), computed by hand at their edges. */
describe('distance to the target', () => {
  const band = (value: number | null, target: number | null, lower = false) => targetBand(value, target, lower, TARGET_BANDS);

  test('higher is better: at or above the target MET; short by ≤ 10 points NEAR, ≤ 25 FAR, beyond OFF', () => {
    expect(band(100, 100)).toEqual({ gap: 0, band: TargetBand.MET });
    expect(band(62, 60)).toEqual({ gap: 2, band: TargetBand.MET });
    expect(band(90, 100)).toEqual({ gap: -10, band: TargetBand.NEAR });
    expect(band(89.96, 100).band).toBe(TargetBand.NEAR); // shown as 90.0 %, read as shown
    expect(band(89.9, 100).band).toBe(TargetBand.FAR);
    expect(band(35, 60)).toEqual({ gap: -25, band: TargetBand.FAR });
    expect(band(34.9, 60).band).toBe(TargetBand.OFF);
    expect(band((3 / 51) * 100, 100).band).toBe(TargetBand.OFF);
  });

  test('lower is better (indicator 53): the target is a ceiling', () => {
    expect(band(100, 100, true).band).toBe(TargetBand.MET);
    expect(band(98, 100, true).band).toBe(TargetBand.MET);
    expect(band(110, 100, true)).toEqual({ gap: 10, band: TargetBand.NEAR });
    expect(band(120, 100, true)).toEqual({ gap: 20, band: TargetBand.FAR });
    expect(band(125.1, 100, true).band).toBe(TargetBand.OFF);
  });

  test('no value or no target: no band', () => {
    expect(band(null, 100)).toEqual({ gap: null, band: null });
    expect(band(50, null)).toEqual({ gap: null, band: null });
  });
});

describe('partial months', () => {
  test('a month is partial until its last day has been read', () => {
    expect(isPartialMonth('2026-12', '2026-12-04')).toBe(true);
    expect(isPartialMonth('2026-12', '2026-12-31')).toBe(false);
    expect(isPartialMonth('2026-11', '2026-12-04')).toBe(false);
    expect(isPartialMonth('2024-02', '2024-02-28')).toBe(true); // a leap year
    expect(isPartialMonth('2024-02', '2024-02-29')).toBe(false);
  });
});
