import { mkdtemp, rm, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { RowRejection, TableRow, readTable, requireColumns } from '../../src/base/tabular';
import { LevelOfCare, SupplyKind } from '../../src/domain/enums';
import { COMPENDIO_REQUIRED_COLUMNS, CompendioItem, mapCompendioRow } from '../../src/modules/catalog/compendio';

const HEADER = 'clave,descripcion,tipo,presentacion,piezas_por_envase,alto_costo,red_fria,niveles';

let dir: string;
let accepted: CompendioItem[];
let rejected: RowRejection[];
let header: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'abasto-compendio-'));
  const lines = [
    HEADER,
    '010.000.0104.00,Paracetamol 500 mg tabletas,Medicamento,Caja con 10 tabletas,10,no,no,1|2|3',
    '060.345.0012.00,"Gasa estéril, 10 x 10 cm",Material de Curación,Sobre,100,No,NO,3|1|1',
    '020.000.3800.00,Vacuna BCG,VACUNA,Frasco ámpula con 10 dosis,1,true,Sí,1',
    '010.000.5432.00,Trastuzumab 440 mg,otro,,24,1,0, 2 ',
    '10.000.0104.00,Paracetamol,MEDICAMENTO,Caja,10,no,no,1',
    '010.000.0105.00,Paracetamol,Dispositivo,Caja,10,no,no,1',
    '010.000.0106.00,Paracetamol,MEDICAMENTO,Caja,0,no,no,1',
    '010.000.0107.00,Paracetamol,MEDICAMENTO,Caja,2.5,no,no,1',
    '010.000.0108.00,Paracetamol,MEDICAMENTO,Caja,10,quizá,no,1',
    '010.000.0109.00,Paracetamol,MEDICAMENTO,Caja,10,no,no,1|4',
    '010.000.0110.00,Paracetamol,MEDICAMENTO,Caja,10,no,no,',
    '010.000.0111.00,,MEDICAMENTO,Caja,10,no,no,1',
    `010.000.0112.00,${'x'.repeat(501)},MEDICAMENTO,Caja,10,no,no,1`,
    '010.000.0113.00,Paracetamol,MEDICAMENTO,Caja,10,no,frío,1',
    '010.000.0114.00,Paracetamol,MEDICAMENTO,Caja,10,no,no,1||2',
  ];
  const path = join(dir, 'compendio.csv');
  await writeFile(path, '\uFEFF' + lines.join('\n') + '\n');
  accepted = [];
  rejected = [];
  for await (const row of readTable(path)) {
    header ??= [...row.values.keys()];
    const result = mapCompendioRow(row);
    if (result.ok) accepted.push(result.value);
    else rejected.push(result.error);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mapCompendioRow', () => {
  it('maps the valid rows', () => {
    expect(accepted).toEqual([
      {
        line: 2,
        clave: '010.000.0104.00',
        description: 'Paracetamol 500 mg tabletas',
        kind: SupplyKind.MEDICINE,
        presentation: 'Caja con 10 tabletas',
        piecesPerPackage: 10,
        highCost: false,
        coldChain: false,
        authorizedLevels: [LevelOfCare.FIRST, LevelOfCare.SECOND, LevelOfCare.THIRD],
      },
      {
        line: 3,
        clave: '060.345.0012.00',
        description: 'Gasa estéril, 10 x 10 cm',
        kind: SupplyKind.HEALING_MATERIAL,
        presentation: 'Sobre',
        piecesPerPackage: 100,
        highCost: false,
        coldChain: false,
        authorizedLevels: [LevelOfCare.FIRST, LevelOfCare.THIRD],
      },
      {
        line: 4,
        clave: '020.000.3800.00',
        description: 'Vacuna BCG',
        kind: SupplyKind.VACCINE,
        presentation: 'Frasco ámpula con 10 dosis',
        piecesPerPackage: 1,
        highCost: true,
        coldChain: true,
        authorizedLevels: [LevelOfCare.FIRST],
      },
      {
        line: 5,
        clave: '010.000.5432.00',
        description: 'Trastuzumab 440 mg',
        kind: SupplyKind.OTHER,
        presentation: null,
        piecesPerPackage: 24,
        highCost: true,
        coldChain: false,
        authorizedLevels: [LevelOfCare.SECOND],
      },
    ]);
  });

  it('rejects each broken row by line with its code', () => {
    expect(rejected.map(({ line, code }) => [line, code])).toEqual([
      [6, 'INVALID_CLAVE'],
      [7, 'INVALID_KIND'],
      [8, 'INVALID_PIECES'],
      [9, 'INVALID_PIECES'],
      [10, 'INVALID_FLAG'],
      [11, 'INVALID_LEVELS'],
      [12, 'INVALID_LEVELS'],
      [13, 'MISSING_DESCRIPTION'],
      [14, 'TOO_LONG'],
      [15, 'INVALID_FLAG'],
      [16, 'INVALID_LEVELS'],
    ]);
  });

  it('explains rejections in Spanish, naming the clave', () => {
    expect(rejected.find((r) => r.line === 6)).toEqual({
      line: 6,
      clues: null,
      code: 'INVALID_CLAVE',
      message: 'Clave 10.000.0104.00: formato inválido; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00',
    });
    expect(rejected.find((r) => r.line === 15)?.message).toBe(
      'Clave 010.000.0113.00: red_fria "frío" inválido; se espera si o no',
    );
    expect(rejected.find((r) => r.line === 11)?.message).toBe(
      'Clave 010.000.0109.00: niveles "1|4" inválidos; se esperan dígitos del 1 al 3 separados por | (p. ej. 1|2|3)',
    );
  });

  it('rejects a missing clave', () => {
    const row: TableRow = { line: 3, values: new Map([['CLAVE', ''], ['DESCRIPCION', 'Paracetamol']]) };
    const result = mapCompendioRow(row);
    expect(!result.ok && [result.error.code, result.error.message]).toEqual([
      'INVALID_CLAVE',
      'Clave (vacía): formato inválido; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00',
    ]);
  });
});

describe('COMPENDIO_REQUIRED_COLUMNS', () => {
  it('matches the lower-case header of the catalogue file', () => {
    expect(requireColumns(header, COMPENDIO_REQUIRED_COLUMNS)).toEqual([]);
    expect(requireColumns(['clave', 'descripcion', 'tipo'], COMPENDIO_REQUIRED_COLUMNS)).toEqual([
      'PRESENTACION',
      'PIEZAS_POR_ENVASE',
      'ALTO_COSTO',
      'RED_FRIA',
      'NIVELES',
    ]);
  });
});
