import { mkdtemp, rm, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { TableRow, countDataRows, detectEncoding, readTable, requireColumns } from '../../src/base/tabular';
import { STATES } from '../../src/domain/states';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'abasto-tabular-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function collect(path: string): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of readTable(path)) rows.push(row);
  return rows;
}

const plain = (row: TableRow) => ({ line: row.line, ...Object.fromEntries(row.values) });

describe('detectEncoding', () => {
  it('recognises UTF-8 with and without BOM, and plain ASCII', () => {
    expect(detectEncoding(Buffer.from('\uFEFFPeñón', 'utf-8'))).toBe('utf-8');
    expect(detectEncoding(Buffer.from('Peñón, Álvaro Obregón', 'utf-8'))).toBe('utf-8');
    expect(detectEncoding(Buffer.from('CLUES,NOMBRE', 'utf-8'))).toBe('utf-8');
  });

  it('falls back to Windows-1252 when the bytes are not valid UTF-8', () => {
    expect(detectEncoding(iconv.encode('Peñón', 'windows-1252'))).toBe('windows-1252');
  });

  it('notices a Windows-1252 byte far past the first chunk', () => {
    const buf = Buffer.concat([Buffer.alloc(3 * 1024 * 1024, 'a'), iconv.encode('ñ', 'windows-1252')]);
    expect(detectEncoding(buf)).toBe('windows-1252');
  });
});

describe('readTable on CSV', () => {
  it('decodes Windows-1252, normalizes headers and reports the line a person sees', async () => {
    const text = [
      'Clues,Clave de la Institución,NOMBRE DE LA UNIDAD,Municipio,Jurisdicción,Nivel Atención',
      'DFSSA004936,SSA,Almacén central,Álvaro Obregón,Peñón,NO APLICA',
      '',
      'DFSSA000001,SSA,"Centro de Salud ""Niños Héroes""',
      'anexo",Coyoacán,Peñón,PRIMER NIVEL',
      ',,,,,',
      '  MCSSA000002 , SSA ,Hospital,Toluca,Toluca,SEGUNDO NIVEL',
      '',
    ].join('\r\n');
    const rows = await collect(await fixture('dgis-1252.csv', iconv.encode(text, 'windows-1252')));

    expect(rows.map(plain)).toEqual([
      {
        line: 2,
        CLUES: 'DFSSA004936',
        'CLAVE DE LA INSTITUCION': 'SSA',
        'NOMBRE DE LA UNIDAD': 'Almacén central',
        MUNICIPIO: 'Álvaro Obregón',
        JURISDICCION: 'Peñón',
        'NIVEL ATENCION': 'NO APLICA',
      },
      {
        line: 4,
        CLUES: 'DFSSA000001',
        'CLAVE DE LA INSTITUCION': 'SSA',
        'NOMBRE DE LA UNIDAD': 'Centro de Salud "Niños Héroes"\r\nanexo',
        MUNICIPIO: 'Coyoacán',
        JURISDICCION: 'Peñón',
        'NIVEL ATENCION': 'PRIMER NIVEL',
      },
      {
        line: 7,
        CLUES: 'MCSSA000002',
        'CLAVE DE LA INSTITUCION': 'SSA',
        'NOMBRE DE LA UNIDAD': 'Hospital',
        MUNICIPIO: 'Toluca',
        JURISDICCION: 'Toluca',
        'NIVEL ATENCION': 'SEGUNDO NIVEL',
      },
    ]);
  });

  it('keeps line numbers right after values that span CRLF lines', async () => {
    const text = 'CLUES,NOMBRE\r\nDFSSA000001,"uno\r\ndos\r\ntres"\r\nDFSSA000002,"a\nb"\r\nDFSSA000003,fin\r\n';
    const rows = await collect(await fixture('multiline.csv', text));
    expect(rows.map((row) => [row.line, row.values.get('CLUES')])).toEqual([
      [2, 'DFSSA000001'],
      [5, 'DFSSA000002'],
      [7, 'DFSSA000003'],
    ]);
  });

  it('decodes a UTF-8 character split across read chunks of a large file', async () => {
    // 13 + 12 bytes put every ñ at an odd offset, so the 1 MiB chunk boundary falls inside one.
    const lines = ['CLUES,NOMBRE', `DFSSA000001,${'ñ'.repeat(600_000)}`];
    for (let i = 2; i <= 50_000; i++) lines.push(`DFSSA${String(i).padStart(6, '0')},Peñón`);
    const path = await fixture('large.csv', lines.join('\n'));
    let count = 0;
    for await (const row of readTable(path)) {
      count++;
      const expected = count === 1 ? 'ñ'.repeat(600_000) : 'Peñón';
      if (row.values.get('NOMBRE') !== expected || row.line !== count + 1) throw new Error(`línea ${row.line}`);
    }
    expect(count).toBe(50_000);
    expect(await countDataRows(path)).toBe(50_000);
  });

  it('drops the UTF-8 BOM from the first header and fills short rows with blanks', async () => {
    const path = await fixture('bom.csv', '\uFEFFclave,descripcion,niveles\n010.000.0104.00,Paracetamol 500 mg\n');
    expect((await collect(path)).map(plain)).toEqual([
      { line: 2, CLAVE: '010.000.0104.00', DESCRIPCION: 'Paracetamol 500 mg', NIVELES: '' },
    ]);
  });

  it('detects a semicolon delimiter, leaving commas inside values alone', async () => {
    const text = '\n\nCLUES;Nombre de la Unidad;Latitud\nDFSSA004936;Almacén, central;19,4326\n';
    const rows = await collect(await fixture('semicolon.csv', text));
    expect(rows.map(plain)).toEqual([
      { line: 4, CLUES: 'DFSSA004936', 'NOMBRE DE LA UNIDAD': 'Almacén, central', LATITUD: '19,4326' },
    ]);
  });

  it('detects a tab delimiter', async () => {
    const rows = await collect(await fixture('tab.csv', 'CLUES\tMUNICIPIO\nDFSSA004936\tCoyoacán, CDMX\n'));
    expect(rows.map(plain)).toEqual([{ line: 2, CLUES: 'DFSSA004936', MUNICIPIO: 'Coyoacán, CDMX' }]);
  });

  it('keeps the first of two columns with the same name', async () => {
    const rows = await collect(await fixture('repeated.csv', 'CLUES,Clues,NOMBRE\nDFSSA004936,XX,Almacén\n'));
    expect(rows.map(plain)).toEqual([{ line: 2, CLUES: 'DFSSA004936', NOMBRE: 'Almacén' }]);
  });

  it('reports a malformed CSV in Spanish', async () => {
    const path = await fixture('broken.csv', 'CLUES,NOMBRE\nDFSSA004936,"Almacén\nDFSSA004941,Lavandería\n');
    await expect(collect(path)).rejects.toThrow(/CSV mal formado cerca de la línea/);
  });

  it('refuses other formats', async () => {
    expect(() => readTable(join(dir, 'catalogo.xls'))).toThrow('Formato de archivo no soportado');
  });
});

describe('readTable on XLSX', () => {
  it('reads the first worksheet with cells as text and worksheet row numbers', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('CLUES');
    sheet.getRow(2).values = ['Clues', 'Clave de la Entidad', 'LATITUD', 'Fecha de Alta', 'Jurisdicción', 'Total'];
    sheet.getRow(3).values = [
      'DFSSA004936',
      9,
      19.4326,
      new Date(Date.UTC(2023, 11, 31)),
      { richText: [{ text: 'Pe' }, { font: { bold: true }, text: 'ñón' }] },
      { formula: '1+1', result: 2 },
    ];
    sheet.getCell('D3').numFmt = 'dd/mm/yyyy';
    sheet.getRow(5).values = ['', '  '];
    sheet.getRow(6).values = ['MCSSA000002', 15.0, -0.5];
    workbook.addWorksheet('Notas').addRow(['no es parte del catálogo']);
    const path = join(dir, 'dgis.xlsx');
    await workbook.xlsx.writeFile(path);

    const rows = await collect(path);
    expect(rows.map(plain)).toEqual([
      {
        line: 3,
        CLUES: 'DFSSA004936',
        'CLAVE DE LA ENTIDAD': '9',
        LATITUD: '19.4326',
        'FECHA DE ALTA': '2023-12-31',
        JURISDICCION: 'Peñón',
        TOTAL: '2',
      },
      {
        line: 6,
        CLUES: 'MCSSA000002',
        'CLAVE DE LA ENTIDAD': '15',
        LATITUD: '-0.5',
        'FECHA DE ALTA': '',
        JURISDICCION: '',
        TOTAL: '',
      },
    ]);
    expect(await countDataRows(path)).toBe(2);
  });
});

describe('countDataRows', () => {
  it('counts the lines after the header of a CSV, with or without a final newline', async () => {
    expect(await countDataRows(await fixture('three.csv', 'A,B\n1,2\n3,4\n5,6\n'))).toBe(3);
    expect(await countDataRows(await fixture('three-open.csv', 'A,B\r\n1,2\r\n3,4\r\n5,6'))).toBe(3);
    expect(await countDataRows(await fixture('empty.csv', ''))).toBe(0);
  });
});

describe('requireColumns', () => {
  it('compares without case or accents and returns what is missing as written', () => {
    expect(requireColumns(['Clues', 'Nombre de la Unidad'], ['CLUES', 'NOMBRE DE LA UNIDAD', 'JURISDICCIÓN'])).toEqual([
      'JURISDICCIÓN',
    ]);
  });

  it('accepts any of the alternatives in A|B', () => {
    expect(requireColumns(['CLUES', 'Entidad'], ['CLAVE DE LA ENTIDAD|ENTIDAD'])).toEqual([]);
    expect(requireColumns(['CLUES'], ['CLAVE DE LA ENTIDAD|ENTIDAD'])).toEqual(['CLAVE DE LA ENTIDAD|ENTIDAD']);
  });
});

describe('data/states.csv', () => {
  it('equals STATES in src/domain/states.ts', async () => {
    const rows = await collect(join(__dirname, '../../data/states.csv'));
    const fromCsv = rows.map(({ values }) => ({
      code: values.get('INEGI_CODE'),
      name: values.get('NAME'),
      cluesPrefix: values.get('CLUES_PREFIX'),
      federalizedBy: values.get('FEDERALIZED_BY') || null,
      federalizationWave: values.get('FEDERALIZATION_WAVE') || null,
    }));
    expect(fromCsv).toEqual(STATES.map((s) => ({ ...s })));
    expect(fromCsv).toHaveLength(32);
  });
});
