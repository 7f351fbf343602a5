import { TableRow, RowRejection } from '../../base/tabular';
import { institutionOfClues, isCluesFormat, normalizeClues, stateOfClues } from '../../domain/clues';
import { EstablishmentKind, LevelOfCare } from '../../domain/enums';
import { STATES, StateRecord, stateByCode } from '../../domain/states';
import { normalizeLabel } from '../../domain/text';

export type { RowRejection };

/**
 * Every DGIS column the importer reads, with the header names the published cuts have given it ("A|B":
 * either; compared without regard to case, accents or underscores). The state may come as its INEGI code
 * or as its name. Cuts before 2024 and the open-data CSV say NOMBRE DEL MUNICIPIO and NOMBRE DE LA
 * JURISDICCION where later cuts say MUNICIPIO and JURISDICCION.
 */
export const DGIS_COLUMNS = {
  clues: 'CLUES',
  name: 'NOMBRE DE LA UNIDAD|NOMBRE UNIDAD',
  stateCode: 'CLAVE DE LA ENTIDAD|CLAVE ENTIDAD',
  stateName: 'ENTIDAD|NOMBRE DE LA ENTIDAD|NOMBRE ENTIDAD',
  institutionCode: 'CLAVE DE LA INSTITUCION|CLAVE INSTITUCION',
  institutionName: 'NOMBRE DE LA INSTITUCION|NOMBRE INSTITUCION|INSTITUCION',
  municipality: 'MUNICIPIO|NOMBRE DEL MUNICIPIO|NOMBRE MUNICIPIO',
  locality: 'LOCALIDAD|NOMBRE DE LA LOCALIDAD|NOMBRE LOCALIDAD',
  jurisdiction: 'JURISDICCION|NOMBRE DE LA JURISDICCION|NOMBRE JURISDICCION',
  establishmentType: 'NOMBRE TIPO ESTABLECIMIENTO|NOMBRE DEL TIPO DE ESTABLECIMIENTO|TIPO ESTABLECIMIENTO|TIPO DE ESTABLECIMIENTO',
  typologyCode: 'CLAVE DE TIPOLOGIA|CLAVE TIPOLOGIA',
  typologyName: 'NOMBRE DE TIPOLOGIA|NOMBRE TIPOLOGIA|TIPOLOGIA',
  status: 'ESTATUS DE OPERACION|ESTATUS OPERACION',
  closureReason: 'MOTIVO BAJA|MOTIVO DE BAJA|MOTIVO DE LA BAJA',
  closedOn: 'FECHA EFECTIVA DE BAJA|FECHA EFECTIVA BAJA|FECHA DE BAJA',
  lastMovement: 'ULTIMO MOVIMIENTO|TIPO ULTIMO MOVIMIENTO',
  lastMovementOn: 'FECHA ULTIMO MOVIMIENTO|FECHA DEL ULTIMO MOVIMIENTO|FECHA DE ULTIMO MOVIMIENTO',
  level: 'NIVEL ATENCION|NIVEL DE ATENCION',
  latitude: 'LATITUD',
  longitude: 'LONGITUD',
  /** Not DGIS's: a user's own column naming the CLUES this one replaced (CLUES_SSH: the state's SSA CLUES). */
  predecessorClues: 'CLUES SSH|CLUES ANTERIOR|CLUES PREDECESORA',
} as const;
export type DgisField = keyof typeof DGIS_COLUMNS;

export const DGIS_REQUIRED_COLUMNS: string[] = [DGIS_COLUMNS.clues, DGIS_COLUMNS.name, `${DGIS_COLUMNS.stateCode}|${DGIS_COLUMNS.stateName}`];
/** The columns a file may lack: each one absent leaves its stored field alone, and the summary names it. */
export const DGIS_OPTIONAL_COLUMNS: string[] = (Object.keys(DGIS_COLUMNS) as DgisField[])
  .filter((f) => !['clues', 'name', 'stateCode', 'stateName', 'predecessorClues'].includes(f))
  .map((f) => DGIS_COLUMNS[f]);

/** The header key a row has for a field (the first of its names present), or undefined when the file lacks it. */
function headerOf(values: ReadonlyMap<string, string>, field: DgisField): string | undefined {
  for (const name of DGIS_COLUMNS[field].split('|')) {
    if (values.has(name)) return name;
    const underscored = name.replace(/ /g, '_');
    if (values.has(underscored)) return underscored;
  }
  return undefined;
}

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
  locality: string | null;
  jurisdiction: string | null;
  /** NOMBRE TIPO ESTABLECIMIENTO as written (DE CONSULTA EXTERNA, DE HOSPITALIZACIÓN, DE APOYO...). */
  establishmentType: string | null;
  typologyCode: string | null;
  typologyName: string | null;
  operating: boolean;
  /** YYYY-MM-DD: the FECHA ULTIMO MOVIMIENTO of a CLUES whose ULTIMO MOVIMIENTO is its ALTA (it exists from that day). */
  operatingSince: string | null;
  /** YYYY-MM-DD: FECHA EFECTIVA DE BAJA of a CLUES out of operation (it operated until the day before). */
  closedOn: string | null;
  /** MOTIVO BAJA of a CLUES out of operation ("POR CAMBIO DE INSTITUCION"...). */
  closureReason: string | null;
  /** A crosswalk column's CLUES this one replaced (CLUES_SSH), when the file has one. */
  predecessorClues: string | null;
  kind: EstablishmentKind;
  levelOfCare: LevelOfCare | null;
  latitude: number | null;
  longitude: number | null;
  /** Fields whose column the file lacks: the import leaves what is stored for them alone. */
  absent: DgisField[];
}

const MAX_TEXT = 250;
const TEXT_FIELDS: DgisField[] = ['name', 'institutionCode', 'institutionName', 'municipality', 'locality', 'closureReason', 'jurisdiction', 'establishmentType', 'typologyCode', 'typologyName'];

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
  const header = new Map((Object.keys(DGIS_COLUMNS) as DgisField[]).map((f) => [f, headerOf(row.values, f)]));
  const text = (field: DgisField): string | null => {
    const column = header.get(field);
    return (column !== undefined && row.values.get(column)) || null;
  };
  const clues = normalizeClues(text('clues') ?? '');
  const reject = (code: string, message: string) =>
    ({ ok: false, error: { line: row.line, clues: clues || null, code, message } }) as const;

  if (!isCluesFormat(clues)) {
    const problem = clues === '' ? 'Falta la CLUES' : `CLUES con formato inválido: "${clues}"`;
    return reject('INVALID_CLUES', `${problem}; se esperan 2 letras de entidad, 3 de institución y 6 dígitos`);
  }
  const name = text('name');
  if (name === null) return reject('MISSING_NAME', 'Falta el nombre de la unidad (NOMBRE DE LA UNIDAD)');
  const tooLong = TEXT_FIELDS.find((field) => (text(field)?.length ?? 0) > MAX_TEXT);
  if (tooLong) return reject('TOO_LONG', `${header.get(tooLong)} excede ${MAX_TEXT} caracteres`);

  const state = rowState(text('stateCode'), text('stateName'));
  if (typeof state === 'string') return reject('UNKNOWN_STATE', state);
  if (stateOfClues(clues)?.code !== state.code) {
    return reject(
      'CLUES_STATE_MISMATCH',
      `La CLUES ${clues} no corresponde a ${state.name}: su prefijo debe ser ${state.cluesPrefix}`,
    );
  }

  const dates: Partial<Record<'closedOn' | 'lastMovementOn', string | null>> = {};
  for (const field of ['closedOn', 'lastMovementOn'] as const) {
    const parsed = parseDgisDate(text(field));
    if (typeof parsed === 'object' && parsed !== null) return reject('INVALID_DATE', `${header.get(field)}: ${parsed.error}`);
    dates[field] = parsed;
  }
  const predecessorClues = text('predecessorClues') && normalizeClues(text('predecessorClues')!);
  if (predecessorClues && !isCluesFormat(predecessorClues)) {
    return reject('INVALID_CLUES', `${header.get('predecessorClues')}: CLUES con formato inválido: "${predecessorClues}"; se esperan 2 letras de entidad, 3 de institución y 6 dígitos`);
  }
  if (predecessorClues === clues) return reject('INVALID_CLUES', `${header.get('predecessorClues')}: la CLUES ${clues} no puede sucederse a sí misma`);
  const operating = isOperating(text('status'));

  const establishmentType = text('establishmentType');
  const typologyCode = text('typologyCode');
  const typologyName = text('typologyName');
  const kind = deriveKind(establishmentType, typologyCode, typologyName, name);
  return {
    ok: true,
    value: {
      line: row.line,
      clues,
      institutionCode: text('institutionCode') ?? institutionOfClues(clues),
      institutionName: text('institutionName'),
      name,
      stateCode: state.code,
      municipality: text('municipality'),
      locality: text('locality'),
      jurisdiction: text('jurisdiction'),
      establishmentType,
      typologyCode,
      typologyName,
      operating,
      operatingSince: normalizeLabel(text('lastMovement') ?? '') === 'ALTA' ? dates.lastMovementOn ?? null : null,
      // a unit back in operation keeps no closing date; a closed one whose FECHA EFECTIVA DE BAJA is blank
      // closed on its last movement's date when that movement is its BAJA (cut 202604, Oaxaca: 8 units)
      closedOn: operating ? null : dates.closedOn ?? (normalizeLabel(text('lastMovement') ?? '') === 'BAJA' ? dates.lastMovementOn ?? null : null),
      closureReason: operating ? null : text('closureReason'),
      predecessorClues: predecessorClues || null,
      kind,
      // The official count gives mobile and support units no level of care, whatever the file says.
      levelOfCare: kind === EstablishmentKind.FIXED ? parseLevelOfCare(text('level')) : null,
      latitude: coordinate(text('latitude'), 14, 33),
      longitude: coordinate(text('longitude'), -119, -86),
      absent: [...header].filter(([, column]) => column === undefined).map(([field]) => field),
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

const NO_DATE = new Set(['', 'NO APLICA', 'NA', 'N/A', 'NULL', 'SIN FECHA', '-']);

/**
 * A DGIS date as YYYY-MM-DD: dd/mm/yyyy in the CSV (a time after it is ignored), yyyy-mm-dd from a
 * workbook's date cell (see tabular's cellText). Null when blank or "NO APLICA"; `{ error }` in Spanish
 * when it is no date or one that does not exist (31/02/2024).
 */
export function parseDgisDate(value: string | null): string | null | { error: string } {
  const raw = (value ?? '').trim();
  if (NO_DATE.has(normalizeLabel(raw))) return null;
  let m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(raw);
  let [y, mo, d] = m ? [Number(m[3]), Number(m[2]), Number(m[1])] : [0, 0, 0];
  if (!m) {
    m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$/.exec(raw);
    if (!m) return { error: `fecha ilegible «${raw}»; se espera dd/mm/aaaa, p. ej. 18/07/2024` };
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1900 || y > 2200 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    return { error: `la fecha «${raw}» no existe; se espera dd/mm/aaaa, p. ej. 18/07/2024` };
  }
  return date.toISOString().slice(0, 10);
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
