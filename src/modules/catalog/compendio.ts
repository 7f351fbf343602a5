import { RowRejection, TableRow } from '../../base/tabular';
import { isClaveFormat } from '../../domain/clave';
import { LevelOfCare, SupplyKind } from '../../domain/enums';
import { normalizeLabel } from '../../domain/text';

export const COMPENDIO_REQUIRED_COLUMNS: string[] = [
  'CLAVE',
  'DESCRIPCION',
  'TIPO',
  'PRESENTACION',
  'PIEZAS_POR_ENVASE',
  'ALTO_COSTO',
  'RED_FRIA',
  'NIVELES',
];

/** One clave of the Compendio Nacional de Insumos para la Salud. */
export interface CompendioItem {
  line: number;
  clave: string;
  description: string;
  kind: SupplyKind;
  presentation: string | null;
  piecesPerPackage: number;
  highCost: boolean;
  coldChain: boolean;
  /** Sorted, without repeats, never empty. */
  authorizedLevels: LevelOfCare[];
}

const MAX_TEXT = 500;
// Pieces are stored as PostgreSQL integers.
const MAX_PIECES = 2_147_483_647;

const KINDS = new Map<string, SupplyKind>([
  ['MEDICAMENTO', SupplyKind.MEDICINE],
  ['MATERIAL DE CURACION', SupplyKind.HEALING_MATERIAL],
  ['VACUNA', SupplyKind.VACCINE],
  ['OTRO', SupplyKind.OTHER],
]);
const FLAGS = new Map<string, boolean>([
  ['SI', true],
  ['TRUE', true],
  ['1', true],
  ['NO', false],
  ['FALSE', false],
  ['0', false],
]);
const LEVELS = new Map<string, LevelOfCare>([
  ['1', LevelOfCare.FIRST],
  ['2', LevelOfCare.SECOND],
  ['3', LevelOfCare.THIRD],
]);

export function mapCompendioRow(
  row: TableRow,
): { ok: true; value: CompendioItem } | { ok: false; error: RowRejection } {
  const text = (column: string): string => row.values.get(column) ?? '';
  const clave = text('CLAVE');
  // RowRejection names the CLUES of registry rows; a catalogue row has none, so its clave goes in the message.
  const reject = (code: string, message: string) => {
    const error = { line: row.line, clues: null, code, message: `Clave ${clave || '(vacía)'}: ${message}` };
    return { ok: false, error } as const;
  };

  if (!isClaveFormat(clave)) {
    return reject('INVALID_CLAVE', 'formato inválido; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00');
  }
  const description = text('DESCRIPCION');
  if (description === '') return reject('MISSING_DESCRIPTION', 'falta la descripción');
  const presentation = text('PRESENTACION');
  if (description.length > MAX_TEXT || presentation.length > MAX_TEXT) {
    return reject('TOO_LONG', `la descripción y la presentación no deben exceder ${MAX_TEXT} caracteres`);
  }

  const kind = KINDS.get(normalizeLabel(text('TIPO')));
  if (kind === undefined) {
    const expected = 'se espera MEDICAMENTO, MATERIAL DE CURACION, VACUNA u OTRO';
    return reject('INVALID_KIND', `tipo "${text('TIPO')}" desconocido; ${expected}`);
  }
  const pieces = text('PIEZAS_POR_ENVASE');
  const piecesPerPackage = /^[0-9]+$/.test(pieces) ? Number(pieces) : 0;
  if (piecesPerPackage < 1 || piecesPerPackage > MAX_PIECES) {
    return reject('INVALID_PIECES', `piezas por envase "${pieces}" inválidas; se espera un entero positivo`);
  }
  const highCost = FLAGS.get(normalizeLabel(text('ALTO_COSTO')));
  const coldChain = FLAGS.get(normalizeLabel(text('RED_FRIA')));
  if (highCost === undefined || coldChain === undefined) {
    const column = highCost === undefined ? 'ALTO_COSTO' : 'RED_FRIA';
    return reject('INVALID_FLAG', `${column.toLowerCase()} "${text(column)}" inválido; se espera si o no`);
  }
  const authorizedLevels = parseLevels(text('NIVELES'));
  if (authorizedLevels === null) {
    const expected = 'se esperan dígitos del 1 al 3 separados por | (p. ej. 1|2|3)';
    return reject('INVALID_LEVELS', `niveles "${text('NIVELES')}" inválidos; ${expected}`);
  }

  return {
    ok: true,
    value: {
      line: row.line,
      clave,
      description,
      kind,
      presentation: presentation || null,
      piecesPerPackage,
      highCost,
      coldChain,
      authorizedLevels,
    },
  };
}

/** "3|1|1" → [FIRST, THIRD]; null when empty or any part is not 1, 2 or 3. */
function parseLevels(value: string): LevelOfCare[] | null {
  const levels = value.split('|').map((part) => LEVELS.get(part.trim()));
  if (value === '' || levels.some((level) => level === undefined)) return null;
  return [...LEVELS.values()].filter((level) => levels.includes(level));
}
