import { mkdtemp, rm, writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import { join } from 'path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { TableRow, readTable, requireColumns } from '../../src/base/tabular';
import { EstablishmentKind, LevelOfCare } from '../../src/domain/enums';
import {
  DGIS_REQUIRED_COLUMNS,
  DgisEstablishment,
  RowRejection,
  deriveKind,
  mapDgisRow,
  parseLevelOfCare,
} from '../../src/modules/registry/dgis';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'abasto-dgis-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function importFile(path: string): Promise<{ accepted: DgisEstablishment[]; rejected: RowRejection[] }> {
  const accepted: DgisEstablishment[] = [];
  const rejected: RowRejection[] = [];
  for await (const row of readTable(path)) {
    const result = mapDgisRow(row);
    if (result.ok) accepted.push(result.value);
    else rejected.push(result.error);
  }
  return { accepted, rejected };
}

/** A row as readTable gives it: header names already normalized. */
function row(values: Record<string, string>, line = 2): TableRow {
  return { line, values: new Map(Object.entries(values)) };
}

const CENTRO_DE_SALUD = { CLUES: 'DFSSA000001', 'CLAVE DE LA ENTIDAD': '9', 'NOMBRE DE LA UNIDAD': 'Centro de Salud' };

const HEADER = [
  'Clues',
  'Clave de la Institución',
  'Nombre de la Institución',
  'Clave de la Entidad',
  'Entidad',
  'Municipio',
  'Jurisdicción',
  'Nombre Tipo Establecimiento',
  'Clave de Tipología',
  'Nombre de Tipología',
  'NOMBRE DE LA UNIDAD',
  'Estatus de Operación',
  'Nivel Atención',
  'Latitud',
  'Longitud',
  'Teléfono',
];
const SSA = 'SSA,SECRETARÍA DE SALUD';

describe('mapDgisRow on a Windows-1252 CSV', () => {
  let result: Awaited<ReturnType<typeof importFile>>;

  beforeAll(async () => {
    const lines = [
      HEADER.join(','),
      `DFSSA001234,${SSA},9,CIUDAD DE MÉXICO,Álvaro Obregón,Peñón,DE HOSPITALIZACIÓN,HG,HOSPITAL GENERAL,"Hospital General ""Dr. Rubén Leñero""",EN OPERACIÓN,SEGUNDO NIVEL,19.4326,-99.1332,55 5555 5555`,
      `DFSSA004936,${SSA},09,CIUDAD DE MÉXICO,Cuauhtémoc,Centro,DE APOYO,ALM,ALMACÉN,Almacén central,EN OPERACION,NO APLICA,19.43,-99.14,`,
      `mcimb000123 ,IMB,IMSS-BIENESTAR,15,MÉXICO,Toluca,Toluca,DE CONSULTA EXTERNA,CSR,CENTRO DE SALUD RURAL,Centro de Salud San Cristóbal,EN OPERACIÓN,PRIMER NIVEL,0,abc,`,
      `SPSSA003610,${SSA},24,SAN LUIS POTOSÍ,Tamazunchale,Huasteca Sur,DE CONSULTA EXTERNA,UMM,UNIDAD MÓVIL,Unidad médica móvil Pemucho,EN OPERACIÓN,PRIMER NIVEL,21.26,-98.79,`,
      `SPSSA003593,${SSA},24,SAN LUIS POTOSÍ,Mexquitic,Centro,DE CONSULTA EXTERNA,,,Brigada médica móvil Llano de los Saldaña,EN OPERACIÓN,PRIMER NIVEL,,,`,
      `DFSSA000045,${SSA},9,CIUDAD DE MÉXICO,Iztapalapa,Iztapalapa,DE CONSULTA EXTERNA,CSU,CENTRO DE SALUD URBANO,Centro de Salud T-III Peñón,FUERA DE OPERACIÓN,PRIMER NIVEL,19.35,-99.05,`,
      `DFSS4936,${SSA},9,CIUDAD DE MÉXICO,Cuauhtémoc,Centro,DE APOYO,ALM,ALMACÉN,Almacén Fresno,EN OPERACIÓN,,,,`,
      `DFSSA017711,${SSA},33,,Cuauhtémoc,Centro,DE APOYO,LAB,LABORATORIO,Laboratorio de citopatología,EN OPERACIÓN,,,,`,
      `DFSSA017740,${SSA},15,MÉXICO,Cuauhtémoc,Centro,DE APOYO,,,Lavandería Dr. Balmis,EN OPERACIÓN,,,,`,
      `DFSSA000099,${SSA},9,CIUDAD DE MÉXICO,Cuauhtémoc,Centro,DE CONSULTA EXTERNA,,,   ,EN OPERACIÓN,PRIMER NIVEL,,,`,
      `DFSSA000100,${SSA},9,CIUDAD DE MÉXICO,Cuauhtémoc,Centro,DE CONSULTA EXTERNA,,,${'Ñ'.repeat(251)},EN OPERACIÓN,,,,`,
    ];
    const path = join(dir, 'clues-1252.csv');
    await writeFile(path, iconv.encode(lines.join('\r\n') + '\r\n', 'windows-1252'));
    result = await importFile(path);
  });

  it('maps a hospital with every column decoded', () => {
    expect(result.accepted[0]).toEqual({
      line: 2,
      clues: 'DFSSA001234',
      institutionCode: 'SSA',
      institutionName: 'SECRETARÍA DE SALUD',
      name: 'Hospital General "Dr. Rubén Leñero"',
      stateCode: '09',
      municipality: 'Álvaro Obregón',
      jurisdiction: 'Peñón',
      establishmentType: 'DE HOSPITALIZACIÓN',
      typologyCode: 'HG',
      typologyName: 'HOSPITAL GENERAL',
      operating: true,
      kind: EstablishmentKind.FIXED,
      levelOfCare: LevelOfCare.SECOND,
      latitude: 19.4326,
      longitude: -99.1332,
      // the columns of the status dates and the locality (issue 19, part 1) are not in this file
      locality: null,
      operatingSince: null,
      closedOn: null,
      closureReason: null,
      predecessorClues: null,
      absent: ['locality', 'closureReason', 'closedOn', 'lastMovement', 'lastMovementOn', 'predecessorClues'],
    });
  });

  it('derives kind, level and operation for each kind of unit', () => {
    expect(result.accepted.map((e) => [e.line, e.clues, e.kind, e.levelOfCare, e.operating])).toEqual([
      [2, 'DFSSA001234', EstablishmentKind.FIXED, LevelOfCare.SECOND, true],
      [3, 'DFSSA004936', EstablishmentKind.SUPPORT, null, true],
      [4, 'MCIMB000123', EstablishmentKind.FIXED, LevelOfCare.FIRST, true],
      [5, 'SPSSA003610', EstablishmentKind.MOBILE, null, true],
      [6, 'SPSSA003593', EstablishmentKind.MOBILE, null, true],
      [7, 'DFSSA000045', EstablishmentKind.FIXED, LevelOfCare.FIRST, false],
    ]);
  });

  it('drops coordinates that are not numbers or fall outside Mexico', () => {
    const centroDeSalud = result.accepted.find((e) => e.clues === 'MCIMB000123')!;
    expect([centroDeSalud.latitude, centroDeSalud.longitude]).toEqual([null, null]);
    expect(centroDeSalud.stateCode).toBe('15');
  });

  it('rejects broken rows by line with a code and a Spanish message', () => {
    expect(result.rejected.map(({ line, clues, code }) => ({ line, clues, code }))).toEqual([
      { line: 8, clues: 'DFSS4936', code: 'INVALID_CLUES' },
      { line: 9, clues: 'DFSSA017711', code: 'UNKNOWN_STATE' },
      { line: 10, clues: 'DFSSA017740', code: 'CLUES_STATE_MISMATCH' },
      { line: 11, clues: 'DFSSA000099', code: 'MISSING_NAME' },
      { line: 12, clues: 'DFSSA000100', code: 'TOO_LONG' },
    ]);
    expect(result.rejected.map((r) => r.message)).toEqual([
      'CLUES con formato inválido: "DFSS4936"; se esperan 2 letras de entidad, 3 de institución y 6 dígitos',
      'Clave de entidad desconocida: "33"; se espera un código INEGI de 01 a 32',
      'La CLUES DFSSA017740 no corresponde a México: su prefijo debe ser MC',
      'Falta el nombre de la unidad (NOMBRE DE LA UNIDAD)',
      'NOMBRE DE LA UNIDAD excede 250 caracteres',
    ]);
  });
});

describe('mapDgisRow on an XLSX', () => {
  it('reads numeric cells: state code 9 is 09 and coordinates are numbers', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('ESTABLECIMIENTOS');
    sheet.addRow(['clues', 'CLAVE DE LA ENTIDAD', 'Nombre de la Unidad', 'Nombre de Tipología', 'NIVEL ATENCIÓN', 'Latitud', 'Longitud']);
    sheet.addRow(['DFSSA004936', 9, 'Almacén central', 'ALMACÉN', 'NO APLICA', 19.4326, -99.1332]);
    sheet.addRow(['DFSSA001234', 9, 'Hospital Juárez de México', 'HOSPITAL GENERAL', 3, 19.49, -99.14]);
    const path = join(dir, 'clues.xlsx');
    await workbook.xlsx.writeFile(path);

    const { accepted, rejected } = await importFile(path);
    expect(rejected).toEqual([]);
    const summary = accepted.map((e) => [e.line, e.clues, e.stateCode, e.kind, e.levelOfCare, e.latitude, e.longitude]);
    expect(summary).toEqual([
      [2, 'DFSSA004936', '09', EstablishmentKind.SUPPORT, null, 19.4326, -99.1332],
      [3, 'DFSSA001234', '09', EstablishmentKind.FIXED, LevelOfCare.THIRD, 19.49, -99.14],
    ]);
  });
});

describe('mapDgisRow details', () => {
  it('finds the state by name when there is no state code, short forms included', () => {
    const cases: Array<[string, string, string]> = [
      ['DFSSA000001', 'Ciudad de México', '09'],
      ['DFSSA000001', 'DISTRITO FEDERAL', '09'],
      ['MCSSA000001', 'Estado de México', '15'],
      ['MCSSA000001', 'MEXICO', '15'],
      ['MNSSA000001', 'Michoacán', '16'],
      ['MNSSA000001', 'MICHOACÁN DE OCAMPO', '16'],
      ['VZSSA000001', 'Veracruz', '30'],
      ['CLSSA000001', 'coahuila', '05'],
      ['YNSSA000001', 'YUCATAN', '31'],
    ];
    for (const [clues, entidad, code] of cases) {
      const result = mapDgisRow(row({ CLUES: clues, ENTIDAD: entidad, 'NOMBRE DE LA UNIDAD': 'Centro de Salud' }));
      expect(result.ok && result.value.stateCode).toBe(code);
    }
  });

  it('rejects an unknown state name and a row without any state', () => {
    const { 'CLAVE DE LA ENTIDAD': _code, ...withoutCode } = CENTRO_DE_SALUD;
    const unknown = mapDgisRow(row({ ...withoutCode, ENTIDAD: 'Atlantis' }));
    const missing = mapDgisRow(row({ ...withoutCode, ENTIDAD: '' }));
    expect(!unknown.ok && unknown.error).toEqual({
      line: 2,
      clues: 'DFSSA000001',
      code: 'UNKNOWN_STATE',
      message: 'Entidad desconocida: "Atlantis"',
    });
    expect(!missing.ok && missing.error.code).toBe('UNKNOWN_STATE');
  });

  it('takes the institution from the CLUES when the column is absent', () => {
    const result = mapDgisRow(row({ ...CENTRO_DE_SALUD, CLUES: 'DFIMB000001' }));
    expect(result.ok && result.value.institutionCode).toBe('IMB');
    expect(result.ok && result.value.institutionName).toBeNull();
  });

  it('reads the operating status, operating when the column is absent', () => {
    const status = (value?: string) => {
      const result = mapDgisRow(row(value === undefined ? CENTRO_DE_SALUD : { ...CENTRO_DE_SALUD, 'ESTATUS DE OPERACION': value }));
      return result.ok && result.value.operating;
    };
    expect(status()).toBe(true);
    expect(status('EN OPERACIÓN')).toBe(true);
    expect(status('En operación (parcial)')).toBe(true);
    expect(status('FUERA DE OPERACIÓN')).toBe(false);
    expect(status('BAJA')).toBe(false);
    expect(status('EN PROCESO DE CONSTRUCCIÓN')).toBe(false);
  });

  it('accepts a comma as decimal separator in coordinates', () => {
    const result = mapDgisRow(row({ ...CENTRO_DE_SALUD, LATITUD: '19,43', LONGITUD: '-99,13' }));
    expect(result.ok && [result.value.latitude, result.value.longitude]).toEqual([19.43, -99.13]);
  });

  it('reports an empty CLUES as missing', () => {
    const result = mapDgisRow(row({ ...CENTRO_DE_SALUD, CLUES: '' }, 14));
    expect(!result.ok && result.error).toEqual({
      line: 14,
      clues: null,
      code: 'INVALID_CLUES',
      message: 'Falta la CLUES; se esperan 2 letras de entidad, 3 de institución y 6 dígitos',
    });
  });
});

describe('deriveKind', () => {
  it.each<[string | null, string | null, string | null, string, EstablishmentKind]>([
    ['DE HOSPITALIZACIÓN', 'HG', 'HOSPITAL GENERAL', 'Hospital General de Zona', EstablishmentKind.FIXED],
    ['DE CONSULTA EXTERNA', 'CSR', 'CENTRO DE SALUD RURAL', 'Centro de Salud El Almacén', EstablishmentKind.FIXED],
    ['DE APOYO', 'ALM', 'ALMACÉN', 'Almacén central', EstablishmentKind.SUPPORT],
    ['De Apoyo', null, null, 'Jurisdicción Sanitaria III', EstablishmentKind.SUPPORT],
    [null, 'ALM', null, 'Central de abasto', EstablishmentKind.SUPPORT],
    [null, 'BS', 'BANCO DE SANGRE', 'Centro Estatal de la Transfusión', EstablishmentKind.SUPPORT],
    [null, 'OFI', 'OFICINAS ADMINISTRATIVAS', 'Oficina Jurisdiccional', EstablishmentKind.SUPPORT],
    [null, null, null, 'Almacén de vacunas estatal', EstablishmentKind.SUPPORT],
    [null, null, null, 'Laboratorio de citopatología', EstablishmentKind.SUPPORT],
    [null, null, null, 'Lavandería Dr. Balmis', EstablishmentKind.SUPPORT],
    ['DE CONSULTA EXTERNA', 'UMM', 'UNIDAD MÉDICA MÓVIL', 'UMM Tipo 1 Pemucho', EstablishmentKind.MOBILE],
    ['DE CONSULTA EXTERNA', 'UM', 'UNIDAD MÓVIL', 'Ruta 3', EstablishmentKind.MOBILE],
    ['DE CONSULTA EXTERNA', null, null, 'Unidad Médica Móvil Pemucho', EstablishmentKind.MOBILE],
    ['DE CONSULTA EXTERNA', null, null, 'Brigada médica móvil Llano de los Saldaña', EstablishmentKind.MOBILE],
    [null, null, 'CARAVANA DE LA SALUD', 'Caravana Tipo 0', EstablishmentKind.MOBILE],
    [null, null, null, 'Centro de Salud con Servicios Ampliados', EstablishmentKind.FIXED],
  ])('%s / %s / %s / %s → %s', (type, code, typology, name, kind) => {
    expect(deriveKind(type, code, typology, name)).toBe(kind);
  });
});

describe('parseLevelOfCare', () => {
  it.each<[string | null, LevelOfCare | null]>([
    ['PRIMER NIVEL', LevelOfCare.FIRST],
    ['Primero', LevelOfCare.FIRST],
    ['1', LevelOfCare.FIRST],
    ['Nivel 1', LevelOfCare.FIRST],
    ['SEGUNDO NIVEL', LevelOfCare.SECOND],
    ['2', LevelOfCare.SECOND],
    ['TERCER NIVEL', LevelOfCare.THIRD],
    ['tercero', LevelOfCare.THIRD],
    ['3', LevelOfCare.THIRD],
    ['NO APLICA', null],
    ['', null],
    [null, null],
    ['4', null],
    ['PRIMER Y SEGUNDO NIVEL', null],
  ])('%s → %s', (value, level) => {
    expect(parseLevelOfCare(value)).toBe(level);
  });
});

describe('DGIS_REQUIRED_COLUMNS', () => {
  it('needs CLUES, the unit name and the state as code or name', () => {
    expect(requireColumns(['Clues', 'Nombre de la Unidad', 'Entidad'], DGIS_REQUIRED_COLUMNS)).toEqual([]);
    expect(requireColumns(['CLUES', 'NOMBRE DE LA UNIDAD', 'CLAVE DE LA ENTIDAD'], DGIS_REQUIRED_COLUMNS)).toEqual([]);
    expect(requireColumns(['CLUES', 'MUNICIPIO'], DGIS_REQUIRED_COLUMNS)).toEqual([
      'NOMBRE DE LA UNIDAD|NOMBRE UNIDAD',
      'CLAVE DE LA ENTIDAD|CLAVE ENTIDAD|ENTIDAD|NOMBRE DE LA ENTIDAD|NOMBRE ENTIDAD',
    ]);
  });
});
