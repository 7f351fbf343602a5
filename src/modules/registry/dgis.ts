import { TableRow, RowRejection } from '../../base/tabular';
import { institutionOfClues, isCluesFormat, normalizeClues, stateOfClues } from '../../domain/clues';
import { EstablishmentKind, LevelOfCare } from '../../domain/enums';
import { STATES, StateRecord, stateByCode } from '../../domain/states';
import { normalizeLabel } from '../../domain/text';

export type { RowRejection };

/** The state may come as its INEGI code or as its name, hence the alternative (see requireColumns). */
export const DGIS_REQUIRED_COLUMNS: string[] = ['CLUES', 'NOMBRE DE LA UNIDAD', 'CLAVE DE LA ENTIDAD|ENTIDAD'];

/** One establishment of the DGIS CLUES catalogue (Dirección General de Información en Salud). */
export interface DgisEstablishment {
  line: number;
  clues: string;
  institutionCode: string;
  institutionName: string | null;
  name: string;
  /** INEGI code, two digits. */
  stateCode: string;
  municipality: string | null;
  jurisdiction: string | null;
  /** NOMBRE TIPO ESTABLECIMIENTO as written (DE CONSULTA EXTERNA, DE HOSPITALIZACIÓN, DE APOYO...). */
  establishmentType: string | null;
  typologyCode: string | null;
  typologyName: string | null;
  operating: boolean;
  kind: EstablishmentKind;
  levelOfCare: LevelOfCare | null;
  latitude: number | null;
  longitude: number | null;
}

const MAX_TEXT = 250;
const TEXT_COLUMNS = [
  'NOMBRE DE LA UNIDAD',
  'CLAVE DE LA INSTITUCION',
  'NOMBRE DE LA INSTITUCION',
  'MUNICIPIO',
  'JURISDICCION',
  'NOMBRE TIPO ESTABLECIMIENTO',
  'CLAVE DE TIPOLOGIA',
  'NOMBRE DE TIPOLOGIA',
];

// Short and former names the catalogue and people use for states whose official name is longer.
const STATE_ALIASES: Record<string, string> = {
  COAHUILA: '05',
  'DISTRITO FEDERAL': '09',
  CDMX: '09',
  'ESTADO DE MEXICO': '15',
  MICHOACAN: '16',
  VERACRUZ: '30',
};
const stateCodeByName = new Map<string, string>([
  ...STATES.map((s): [string, string] => [normalizeLabel(s.name), s.code]),
  ...Object.entries(STATE_ALIASES),
]);

// DGIS typology codes: ALM almacén, OFI oficinas, BS banco de sangre; UM/UMM unidad (médica) móvil.
const SUPPORT_TYPOLOGY_CODES = new Set(['ALM', 'OFI', 'BS']);
const MOBILE_TYPOLOGY_CODES = new Set(['UM', 'UMM']);
const MOBILE_WORDS = /\b(UNIDAD(ES)? (MEDICAS? )?MOVIL(ES)?|UMM|BRIGADAS?|CARAVANAS?)\b/;
// Places where no patient is treated: they hold stock or serve the units, so they count apart.
const SUPPORT_WORDS =
  /\b(ALM|ALMACEN(ES)?|LABORATORIOS?|LAVANDERIAS?|OFICINAS?|ADMINISTRATIVAS?|BANCO DE SANGRE|APOYO)\b/;
const SUPPORT_NAME_START = /^(ALM|ALMACEN(ES)?|LABORATORIO|LAVANDERIA|OFICINAS?|BANCO DE SANGRE)\b/;

/**
 * FIXED, MOBILE or SUPPORT. DGIS's own classification (type, then typology) is trusted before the free-text
 * unit name. Only the start of a name is read for support units because names often end in a locality
 * ("Centro de Salud El Almacén").
 */
export function deriveKind(
  establishmentType: string | null,
  typologyCode: string | null,
  typologyName: string | null,
  unitName: string,
): EstablishmentKind {
  if (normalizeLabel(establishmentType ?? '') === 'DE APOYO') return EstablishmentKind.SUPPORT;
  const code = normalizeLabel(typologyCode ?? '');
  const typology = normalizeLabel(typologyName ?? '');
  if (MOBILE_TYPOLOGY_CODES.has(code) || MOBILE_WORDS.test(typology)) return EstablishmentKind.MOBILE;
  if (SUPPORT_TYPOLOGY_CODES.has(code) || SUPPORT_WORDS.test(typology)) return EstablishmentKind.SUPPORT;
  const name = normalizeLabel(unitName);
  if (SUPPORT_NAME_START.test(name)) return EstablishmentKind.SUPPORT;
  if (MOBILE_WORDS.test(name)) return EstablishmentKind.MOBILE;
  return EstablishmentKind.FIXED;
}

const LEVEL_WORDS = new Map<string, LevelOfCare>([
  ['PRIMER', LevelOfCare.FIRST],
  ['PRIMERO', LevelOfCare.FIRST],
  ['1', LevelOfCare.FIRST],
  ['SEGUNDO', LevelOfCare.SECOND],
  ['2', LevelOfCare.SECOND],
  ['TERCER', LevelOfCare.THIRD],
  ['TERCERO', LevelOfCare.THIRD],
  ['3', LevelOfCare.THIRD],
]);
const LEVEL_FILLER = new Set(['NIVEL', 'DE', 'ATENCION']);

/** "PRIMER NIVEL", "Segundo", "3", "Nivel 1"...; "NO APLICA", blank and anything else give null. */
export function parseLevelOfCare(value: string | null): LevelOfCare | null {
  const words = normalizeLabel(value ?? '')
    .split(' ')
    .filter((word) => !LEVEL_FILLER.has(word));
  return words.length === 1 ? LEVEL_WORDS.get(words[0]) ?? null : null;
}

export function mapDgisRow(row: TableRow): { ok: true; value: DgisEstablishment } | { ok: false; error: RowRejection } {
  const text = (column: string): string | null => row.values.get(column) || null;
  const clues = normalizeClues(row.values.get('CLUES') ?? '');
  const reject = (code: string, message: string) =>
    ({ ok: false, error: { line: row.line, clues: clues || null, code, message } }) as const;

  if (!isCluesFormat(clues)) {
    const problem = clues === '' ? 'Falta la CLUES' : `CLUES con formato inválido: "${clues}"`;
    return reject('INVALID_CLUES', `${problem}; se esperan 2 letras de entidad, 3 de institución y 6 dígitos`);
  }
  const name = text('NOMBRE DE LA UNIDAD');
  if (name === null) return reject('MISSING_NAME', 'Falta el nombre de la unidad (NOMBRE DE LA UNIDAD)');
  const tooLong = TEXT_COLUMNS.find((column) => (row.values.get(column)?.length ?? 0) > MAX_TEXT);
  if (tooLong) return reject('TOO_LONG', `${tooLong} excede ${MAX_TEXT} caracteres`);

  const state = rowState(text('CLAVE DE LA ENTIDAD'), text('ENTIDAD'));
  if (typeof state === 'string') return reject('UNKNOWN_STATE', state);
  if (stateOfClues(clues)?.code !== state.code) {
    return reject(
      'CLUES_STATE_MISMATCH',
      `La CLUES ${clues} no corresponde a ${state.name}: su prefijo debe ser ${state.cluesPrefix}`,
    );
  }

  const establishmentType = text('NOMBRE TIPO ESTABLECIMIENTO');
  const typologyCode = text('CLAVE DE TIPOLOGIA');
  const typologyName = text('NOMBRE DE TIPOLOGIA');
  const kind = deriveKind(establishmentType, typologyCode, typologyName, name);
  return {
    ok: true,
    value: {
      line: row.line,
      clues,
      institutionCode: text('CLAVE DE LA INSTITUCION') ?? institutionOfClues(clues),
      institutionName: text('NOMBRE DE LA INSTITUCION'),
      name,
      stateCode: state.code,
      municipality: text('MUNICIPIO'),
      jurisdiction: text('JURISDICCION'),
      establishmentType,
      typologyCode,
      typologyName,
      operating: isOperating(text('ESTATUS DE OPERACION')),
      kind,
      // The official count gives mobile and support units no level of care, whatever the file says.
      levelOfCare: kind === EstablishmentKind.FIXED ? parseLevelOfCare(text('NIVEL ATENCION')) : null,
      latitude: coordinate(text('LATITUD'), 14, 33),
      longitude: coordinate(text('LONGITUD'), -119, -86),
    },
  };
}

/** The state from its INEGI code ("9" or "09"), else from its name; a Spanish message when neither works. */
function rowState(code: string | null, name: string | null): StateRecord | string {
  if (code !== null) {
    const state = /^[0-9]{1,2}$/.test(code) ? stateByCode(code.padStart(2, '0')) : undefined;
    return state ?? `Clave de entidad desconocida: "${code}"; se espera un código INEGI de 01 a 32`;
  }
  if (name !== null) {
    const byName = stateCodeByName.get(normalizeLabel(name));
    return (byName && stateByCode(byName)) ?? `Entidad desconocida: "${name}"`;
  }
  return 'Falta la entidad: se espera CLAVE DE LA ENTIDAD o ENTIDAD';
}

/** Blank status counts as operating, as when the column is absent: the catalogue lists units, not closures. */
function isOperating(status: string | null): boolean {
  return status === null || normalizeLabel(status).startsWith('EN OPERACION');
}

/** Coordinates outside Mexico are typos (swapped or missing sign); better none than a unit in the ocean. */
function coordinate(value: string | null, min: number, max: number): number | null {
  if (value === null) return null;
  // A comma decimal comes from spreadsheets with a Spanish locale.
  const number = Number(value.includes('.') ? value : value.replace(',', '.'));
  return Number.isFinite(number) && number >= min && number <= max ? number : null;
}
