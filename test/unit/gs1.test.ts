import { parseGs1 } from '../../app/src/gs1';

/** Scans as a keyboard-wedge scanner types them: GS (ASCII 29) ends a variable-length element. */
const GS = '\u001d';
// EAN-13 7501234567893 (check digit: 7+15+0+3+2+9+4+15+6+21+8+27 = 117 → 3), as GTIN-14 07501234567893
const GTIN = '07501234567893';

const box = (over: Record<string, unknown>) => ({ ok: true, box: { gtin: GTIN, lot: null, expiresOn: null, serial: null, symbology: null, ...over } });

test('GS1 DataMatrix with its symbology identifier and GS separators: GTIN, lot, expiry and serial', () => {
  expect(parseGs1(`]d201${GTIN}17270615` + `10AB123${GS}21SN0001`)).toEqual(
    box({ lot: 'AB123', expiresOn: '2027-06-15', serial: 'SN0001', symbology: 'GS1 DataMatrix' }),
  );
  // the lot before the expiry: the GS ends the lot
  expect(parseGs1(`]d201${GTIN}10L-77${GS}17280131`)).toEqual(box({ lot: 'L-77', expiresOn: '2028-01-31', symbology: 'GS1 DataMatrix' }));
});

test('GS1-128 (]C1), an FNC1 the scanner typed first, and the Enter it ends with', () => {
  expect(parseGs1(`${GS}]C101${GTIN}17261231${GS}10LOTE9\r\n`)).toEqual(box({ lot: 'LOTE9', expiresOn: '2026-12-31', symbology: 'GS1-128' }));
  expect(parseGs1(`]C1${GS}01${GTIN}10X1`)).toEqual(box({ lot: 'X1', symbology: 'GS1-128' }));
});

test('the human-readable form with parentheses, day 00 = last day of the month', () => {
  expect(parseGs1(`(01)${GTIN}(17)270600(10)AB123`)).toEqual(box({ lot: 'AB123', expiresOn: '2027-06-30', symbology: 'GS1 Element String (HRI)' }));
  // February 00: 29 in a leap year, 28 otherwise; December 00: the 31st
  expect(parseGs1(`01${GTIN}1728020010L1`)).toMatchObject({ box: { expiresOn: '2028-02-29', lot: 'L1' } });
  expect(parseGs1(`01${GTIN}1727020010L1`)).toMatchObject({ box: { expiresOn: '2027-02-28' } });
  expect(parseGs1(`01${GTIN}1727120010L1`)).toMatchObject({ box: { expiresOn: '2027-12-31' } });
});

test('a plain EAN-13 (linear barcode) is the GTIN alone', () => {
  expect(parseGs1('7501234567893')).toEqual(box({}));
});

test('refused in Spanish: bad check digit, a date that does not exist, no GTIN, not GS1', () => {
  const message = (code: string) => {
    const r = parseGs1(code);
    expect(r.ok).toBe(false);
    return r.ok ? '' : r.message;
  };
  expect(message('01075012345678901727060010AB')).toMatch(/dígito verificador/);
  expect(message('7501234567890')).toMatch(/dígito verificador/);
  expect(message(`01${GTIN}1727130010X`)).toMatch(/caducidad 271300 .*no es una fecha real/);
  expect(message(`01${GTIN}1727023110X`)).toMatch(/no es una fecha real/);
  expect(message('10SOLO-LOTE')).toMatch(/no trae el GTIN/);
  expect(message('hola')).toMatch(/No se pudo leer el código/);
  expect(message(`(01)0750123456789(17)270600`)).toMatch(/incompleto/);
  expect(message('')).toMatch(/ningún dato/);
});
