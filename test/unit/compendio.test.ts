import { mkdtemp, rm, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import { RowRejection, TableRow, readTable, requireColumns } from '../../src/base/tabular';
import { LevelOfCare, SupplyKind } from '../../src/domain/enums';
import { catalogueColumns, catalogueLayout, CatalogueEntry, compendioKind, mapCatalogueRow, mergeCatalogueEntries } from '../../src/modules/catalog/compendio';
import { piecesFromPresentation } from '../../src/domain/presentation';

const HEADER = 'clave,descripcion,tipo,presentacion,piezas_por_envase,alto_costo,red_fria,niveles';
/** What a row of the project's CSV does not state: the Compendio's parts. */
const ABASTO = { layout: 'ABASTO', genericName: null, pharmaceuticalForm: null, therapeuticGroups: null };

let dir: string;
let accepted: CatalogueEntry[];
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
    `010.000.0112.00,${'x'.repeat(4001)},MEDICAMENTO,Caja,10,no,no,1`,
    '010.000.0113.00,Paracetamol,MEDICAMENTO,Caja,10,no,frío,1',
    '010.000.0114.00,Paracetamol,MEDICAMENTO,Caja,10,no,no,1||2',
  ];
  const path = join(dir, 'compendio.csv');
  await writeFile(path, '\uFEFF' + lines.join('\n') + '\n');
  accepted = [];
  rejected = [];
  for await (const row of readTable(path)) {
    header ??= [...row.values.keys()];
    const result = mapCatalogueRow(row);
    if (result.ok) accepted.push(result.value);
    else rejected.push(result.error);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mapCatalogueRow on the project\'s CSV', () => {
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
        ...ABASTO,
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
        ...ABASTO,
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
        ...ABASTO,
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
        ...ABASTO,
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
      message: 'Clave 10.000.0104.00: el primer grupo tiene 2 dígitos y debe tener 3; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00',
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
    const result = mapCatalogueRow(row);
    expect(!result.ok && [result.error.code, result.error.message]).toEqual(['INVALID_CLAVE', 'Clave (vacía): falta la clave']);
  });
});

describe('catalogueColumns', () => {
  it('the project\'s CSV: clave, descripcion and tipo required; the rest read when present', () => {
    expect(catalogueLayout(header)).toBe('ABASTO');
    const { required, known } = catalogueColumns('ABASTO');
    expect(requireColumns(header, required)).toEqual([]);
    expect(requireColumns(['clave', 'descripcion'], required)).toEqual(['TIPO']);
    expect(requireColumns(['clave', 'descripcion', 'tipo'], known).map((c) => c.split('|')[0])).toEqual(['PRESENTACION', 'PIEZAS_POR_ENVASE', 'ALTO_COSTO', 'RED_FRIA', 'NIVELES']);
  });

  it('the Compendio\'s export is told by its header', () => {
    const official = ['Id', 'Categoria', 'Tomo', 'Grupo Terapéutico', 'Nombre genérico', 'Clave', 'Forma farmacéutica', 'Fórmula', 'Presentación y envase'];
    expect(catalogueLayout(official)).toBe('COMPENDIO');
    expect(requireColumns(official, catalogueColumns('COMPENDIO').required)).toEqual([]);
  });
});

/** A row of the Compendio's export, as readTable gives it (normalised header keys). */
function compendioRow(line: number, cells: Record<string, string>): ReturnType<typeof mapCatalogueRow> {
  const values = new Map<string, string>([
    ['ID', String(line)],
    ['CATEGORIA', 'Medicamentos'],
    ['TOMO', '1'],
    ['GRUPO TERAPEUTICO', 'Analgesia'],
    ['NOMBRE GENERICO', 'PARACETAMOL'],
    ['CLAVE', '010.000.0104.00'],
    ['FORMA FARMACEUTICA', 'TABLETA'],
    ['FORMULA', 'Cada tableta contiene: Paracetamol 500 mg.'],
    ['PRESENTACION Y ENVASE', 'Envase con 10 tabletas.'],
  ]);
  for (const [k, v] of Object.entries(cells)) values.set(k, v);
  return mapCatalogueRow({ line, values });
}

describe('mapCatalogueRow on the Compendio\'s export', () => {
  it('description from name, form and formula; pieces from the presentation; no authorisation of any kind', () => {
    const r = compendioRow(2, {});
    expect(r).toEqual({
      ok: true,
      value: {
        line: 2,
        clave: '010.000.0104.00',
        layout: 'COMPENDIO',
        description: 'PARACETAMOL. TABLETA. Cada tableta contiene: Paracetamol 500 mg',
        kind: SupplyKind.MEDICINE,
        presentation: 'Envase con 10 tabletas.',
        piecesPerPackage: 10,
        genericName: 'PARACETAMOL',
        pharmaceuticalForm: 'TABLETA',
        therapeuticGroups: ['Analgesia'],
        highCost: null,
        coldChain: null,
        authorizedLevels: null,
      },
    });
  });

  it('a presentation it cannot read is a note, not a rejection: the clave loads, its pieces left as stored', () => {
    const r = compendioRow(7, { 'PRESENTACION Y ENVASE': 'Envase con 10 o 20 tabletas.' });
    expect(r.ok && r.value.piecesPerPackage).toBeNull();
    expect(r.ok && r.notes).toEqual([
      {
        line: 7,
        clues: null,
        code: 'PRESENTATION_UNREAD',
        message:
          'Clave 010.000.0104.00: no se pudieron leer las piezas por envase de "Envase con 10 o 20 tabletas."; se conserva el valor guardado (1 si la clave es nueva): corríjalo con supplyItemUpsert',
      },
    ]);
  });

  it('a clave one digit short (the export\'s 040.000.3305.0) is rejected, saying which group', () => {
    const r = compendioRow(9, { CLAVE: '040.000.3305.0' });
    expect(!r.ok && r.error).toEqual({
      line: 9,
      clues: null,
      code: 'INVALID_CLAVE',
      message: 'Clave 040.000.3305.0: el último grupo tiene 1 dígitos y debe tener 2; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00',
    });
  });

  it('descriptions as long as the official ones (1,712 characters) load; past 4,000 they are refused', () => {
    const long = compendioRow(3, { FORMULA: 'x'.repeat(1712 - 'PARACETAMOL. TABLETA. '.length) });
    expect(long.ok && long.value.description.length).toBe(1712);
    const tooLong = compendioRow(4, { FORMULA: 'x'.repeat(4000) });
    expect(!tooLong.ok && tooLong.error.code).toBe('TOO_LONG');
  });

  it('kinds: healing material by category, vaccines by group and name, immunoglobulins stay medicines', () => {
    expect(compendioKind('060.066.0102.00', 'Material de Curación', '', 'Gasa')).toBe(SupplyKind.HEALING_MATERIAL);
    const group = 'Vacunas, Toxoides, Inmunoglobulinas, Antitoxinas';
    expect(compendioKind('020.000.3800.00', 'Medicamentos', group, 'VACUNA BCG')).toBe(SupplyKind.VACCINE);
    expect(compendioKind('020.000.3810.00', 'Medicamentos', group, 'TOXOIDES TETÁNICO Y DIFTÉRICO (Td)')).toBe(SupplyKind.VACCINE);
    expect(compendioKind('010.000.3833.00', 'Medicamentos', group, 'INMUNOGLOBULINA HUMANA ANTIRRÁBICA')).toBe(SupplyKind.MEDICINE);
    expect(compendioKind('080.000.0001.00', 'Auxiliares de Diagnóstico', '', 'Prueba')).toBe(SupplyKind.OTHER);
    expect(compendioKind('010.000.0104.00', '', '', 'PARACETAMOL')).toBe(SupplyKind.MEDICINE);
  });

  it('a clave listed again: one clave, every group, the first text; each repeat reported with the rule applied', () => {
    const first = compendioRow(2, {});
    const same = compendioRow(40, { 'GRUPO TERAPEUTICO': 'Reumatología' });
    const other = compendioRow(80, { 'GRUPO TERAPEUTICO': 'Oncología', 'PRESENTACION Y ENVASE': 'Envase con 20 tabletas.' });
    if (!first.ok || !same.ok || !other.ok) throw new Error('rows should map');
    const once = mergeCatalogueEntries(first.value, same.value);
    expect(once.value).toEqual({ ...first.value, therapeuticGroups: ['Analgesia', 'Reumatología'] });
    expect(once.notes).toEqual([
      { line: 40, clues: null, code: 'SEVERAL_GROUPS', message: 'Clave 010.000.0104.00: listada también en la línea 2 (grupo Reumatología); es una sola clave y se guardan todos sus grupos' },
    ]);
    const twice = mergeCatalogueEntries(once.value, other.value);
    expect(twice.value.therapeuticGroups).toEqual(['Analgesia', 'Reumatología', 'Oncología']);
    expect(twice.value.presentation).toBe('Envase con 10 tabletas.');
    expect(twice.notes[0].code).toBe('TEXT_DIFFERS');
    expect(twice.notes[0].message).toBe(
      'Clave 010.000.0104.00: listada también en la línea 2 (grupo Oncología) con otro texto (presentación); se conservó el de la línea 2 y se guardan todos sus grupos',
    );
  });
});

describe('piecesFromPresentation', () => {
  it.each([
    ['Envase con 20 tabletas.', 20],
    ['ENVASE CON 30 CÁPSULAS', 30],
    ['Envase con un frasco ámpula y una ampolleta con 5 ml de diluyente.', 1],
    ['Envase con dos frascos ámpula.', 2],
    ['Envase con doce sobres', 12],
    ['Envase con 10 ampolletas de 2 ml.', 10],
    ['Envase con frasco gotero con 15 ml.', 1],
    ['Envase con 120 ml.', 1],
    ['Envase con 2.5 ml', 1],
    ['Envase con 1 jeringa prellenada con 0.5 ml', 1],
    ['Envase con 50 sobres con 4.5 g de polvo', 50],
    ['Caja con 1,000 tabletas', 1000],
    ['Envase con 14 tabletas. Envase con 14 tabletas.', 14],
  ])('%s → %s', (text, pieces) => {
    expect(piecesFromPresentation(text)).toBe(pieces);
  });

  it.each([
    'Envase con 10 o 20 tabletas',
    'Envase con 10, 20 ó 30 tabletas',
    'Envase con tabletas',
    'Envase con 14 tabletas. Envase con 28 tabletas.',
    'Frasco ámpula',
    '',
  ])('%s → unread (null), never guessed', (text) => {
    expect(piecesFromPresentation(text)).toBeNull();
  });
});
