import { RowRejection, TableRow } from '../../base/tabular';
import { CATALOGUE_TEXT_LIMITS, claveProblem, isClaveFormat, kindOfClaveGroup } from '../../domain/clave';
import { LevelOfCare, SupplyKind } from '../../domain/enums';
import { piecesFromPresentation } from '../../domain/presentation';
import { normalizeLabel } from '../../domain/text';

/**
 * The two layouts `npm run import:catalog` reads, told apart by their headers:
 *
 * - COMPENDIO: the Consejo de Salubridad General's own export of the Compendio Nacional de Insumos
 *   para la Salud (Id, Categoria, Tomo, Grupo Terapéutico, Nombre genérico, Clave, Forma farmacéutica,
 *   Fórmula, Presentación y envase, Indicaciones terapéuticas, Vía de administración y dosis, …). It says
 *   what a clave is, never where it may be used: levels, typologies, high cost and cold chain are the
 *   institution's (`npm run import:authorizations`) and this layout never touches them.
 * - ABASTO: the project's own CSV (clave, descripcion, tipo, presentacion, piezas_por_envase, and
 *   optionally alto_costo, red_fria, niveles), the institution's list of its claves.
 *
 * Compared without regard to case, accents or underscores; "A|B" means either name.
 */
export const COMPENDIO_EXPORT_COLUMNS = {
  clave: 'CLAVE',
  name: 'NOMBRE GENERICO',
  form: 'FORMA FARMACEUTICA',
  formula: 'FORMULA',
  presentation: 'PRESENTACION Y ENVASE',
  group: 'GRUPO TERAPEUTICO',
  category: 'CATEGORIA',
} as const;

export const ABASTO_CATALOGUE_COLUMNS = {
  clave: 'CLAVE',
  description: 'DESCRIPCION',
  kind: 'TIPO',
  presentation: 'PRESENTACION',
  pieces: 'PIEZAS_POR_ENVASE|PIEZAS POR ENVASE',
  highCost: 'ALTO_COSTO|ALTO COSTO',
  coldChain: 'RED_FRIA|RED FRIA',
  levels: 'NIVELES',
} as const;

export type CatalogueLayout = 'COMPENDIO' | 'ABASTO';

/** What any catalogue file must have (also how the sheet of a workbook is chosen). */
export const CATALOGUE_SHEET_COLUMNS = ['CLAVE', `${COMPENDIO_EXPORT_COLUMNS.name}|${ABASTO_CATALOGUE_COLUMNS.description}`];

/** The layout a header is: the Compendio's export when it names the generic name. */
export function catalogueLayout(header: readonly string[]): CatalogueLayout {
  return header.map(normalizeLabel).includes(COMPENDIO_EXPORT_COLUMNS.name) ? 'COMPENDIO' : 'ABASTO';
}

/** The columns each layout requires, and the optional ones it reads (the summary names those absent). */
export function catalogueColumns(layout: CatalogueLayout): { required: string[]; known: string[] } {
  if (layout === 'COMPENDIO') {
    const c = COMPENDIO_EXPORT_COLUMNS;
    return { required: [c.clave, c.name, c.presentation], known: [c.form, c.formula, c.group, c.category] };
  }
  const c = ABASTO_CATALOGUE_COLUMNS;
  return { required: [c.clave, c.description, c.kind], known: [c.presentation, c.pieces, c.highCost, c.coldChain, c.levels] };
}

/**
 * One clave as a catalogue file states it. A null field is one the file does not state (its column is
 * absent, or, for pieces, the presentation could not be read): the stored value is left alone, and a
 * new clave takes the default (1 piece; not high cost; no cold chain; no level).
 */
export interface CatalogueEntry {
  line: number;
  clave: string;
  layout: CatalogueLayout;
  description: string;
  kind: SupplyKind;
  presentation: string | null;
  piecesPerPackage: number | null;
  genericName: string | null;
  pharmaceuticalForm: string | null;
  /** Every therapeutic group the file lists the clave under, in order; null: the file has none. */
  therapeuticGroups: string[] | null;
  highCost: boolean | null;
  coldChain: boolean | null;
  /** Sorted, without repeats, never empty when given. */
  authorizedLevels: LevelOfCare[] | null;
}

export type CatalogueRowResult = { ok: true; value: CatalogueEntry; notes?: RowRejection[] } | { ok: false; error: RowRejection };

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

/** The value of the first of a column's names the row has; undefined when the file lacks the column. */
function column(row: TableRow, names: string): string | undefined {
  for (const name of names.split('|')) {
    const key = normalizeLabel(name);
    if (row.values.has(key)) return row.values.get(key)!;
  }
  return undefined;
}

/** Maps one row of either layout. Unreadable pieces are a note, not a rejection: the clave still loads. */
export function mapCatalogueRow(row: TableRow): CatalogueRowResult {
  const layout = row.values.has(COMPENDIO_EXPORT_COLUMNS.name) ? 'COMPENDIO' : 'ABASTO';
  const clave = column(row, 'CLAVE') ?? '';
  // RowRejection names the CLUES of registry rows; a catalogue row has none, so its clave goes in the message.
  const problem = (code: string, message: string): RowRejection => ({ line: row.line, clues: null, code, message: `Clave ${clave || '(vacía)'}: ${message}` });
  const reject = (code: string, message: string) => ({ ok: false, error: problem(code, message) }) as const;

  if (!isClaveFormat(clave)) return reject('INVALID_CLAVE', claveProblem(clave));
  const common = layout === 'COMPENDIO' ? compendioFields(row, clave) : abastoFields(row);
  if ('code' in common) return reject(common.code, common.message);
  const { description, presentation } = common;
  if (description === '') return reject('MISSING_DESCRIPTION', layout === 'COMPENDIO' ? 'falta el nombre genérico' : 'falta la descripción');
  if (description.length > CATALOGUE_TEXT_LIMITS.description || (presentation?.length ?? 0) > CATALOGUE_TEXT_LIMITS.presentation) {
    const { description: d, presentation: p } = CATALOGUE_TEXT_LIMITS;
    return reject('TOO_LONG', `la descripción no debe exceder ${d.toLocaleString('es-MX')} caracteres ni la presentación ${p.toLocaleString('es-MX')}`);
  }

  const notes: RowRejection[] = [];
  let pieces = common.piecesPerPackage;
  if (pieces === undefined) {
    // no pieces column: read from the presentation, as a pharmacist would
    pieces = presentation ? piecesFromPresentation(presentation) : null;
    if (pieces === null && presentation) {
      notes.push(
        problem('PRESENTATION_UNREAD', `no se pudieron leer las piezas por envase de "${presentation}"; se conserva el valor guardado (1 si la clave es nueva): corríjalo con supplyItemUpsert`),
      );
    }
  }
  return { ok: true, value: { line: row.line, clave, layout, ...common, piecesPerPackage: pieces }, ...(notes.length ? { notes } : {}) };
}

type Fields = Omit<CatalogueEntry, 'line' | 'clave' | 'layout' | 'piecesPerPackage'> & { piecesPerPackage: number | null | undefined };

function compendioFields(row: TableRow, clave: string): Fields {
  const c = COMPENDIO_EXPORT_COLUMNS;
  const text = (name: string) => (column(row, name) ?? '').replace(/\s+/g, ' ').trim();
  const name = text(c.name);
  const form = text(c.form);
  const formula = text(c.formula);
  const group = text(c.group);
  const presentation = text(c.presentation);
  return {
    // "Paracetamol. Tableta. Cada tableta contiene: Paracetamol 500 mg": name, form and formula as the Compendio prints them
    description: [name, form, formula].map((part) => part.replace(/[.\s]+$/, '')).filter(Boolean).join('. '),
    kind: compendioKind(clave, text(c.category), group, name),
    presentation: presentation || null,
    piecesPerPackage: undefined,
    genericName: name ? name.slice(0, CATALOGUE_TEXT_LIMITS.name) : null,
    pharmaceuticalForm: form ? form.slice(0, CATALOGUE_TEXT_LIMITS.name) : null,
    therapeuticGroups: group ? [group] : null,
    highCost: null,
    coldChain: null,
    authorizedLevels: null,
  };
}

/**
 * The kind of a clave of the Compendio's export: healing material by its category, vaccines (and
 * toxoids) by their therapeutic group and name — the group "Vacunas, Toxoides, Inmunoglobulinas,
 * Antitoxinas" also lists immunoglobulins, which are medicines —, diagnostic aids and the like as
 * OTHER, and otherwise what the clave's first group says (010 medicines, 060 healing material).
 */
export function compendioKind(clave: string, category: string, group: string, name: string): SupplyKind {
  const cat = normalizeLabel(category);
  if (cat.includes('MATERIAL DE CURACION')) return SupplyKind.HEALING_MATERIAL;
  if (normalizeLabel(group).includes('VACUNA') && /VACUNA|TOXOIDE/.test(normalizeLabel(name))) return SupplyKind.VACCINE;
  if (cat !== '' && !cat.includes('MEDICAMENTO') && !cat.includes('VACUNA')) return SupplyKind.OTHER;
  return kindOfClaveGroup(clave) ?? SupplyKind.MEDICINE;
}

function abastoFields(row: TableRow): Fields | { code: string; message: string } {
  const c = ABASTO_CATALOGUE_COLUMNS;
  const kindText = column(row, c.kind) ?? '';
  const kind = KINDS.get(normalizeLabel(kindText));
  if (kind === undefined) return { code: 'INVALID_KIND', message: `tipo "${kindText}" desconocido; se espera MEDICAMENTO, MATERIAL DE CURACION, VACUNA u OTRO` };
  const piecesText = column(row, c.pieces);
  let piecesPerPackage: number | undefined;
  if (piecesText !== undefined) {
    piecesPerPackage = /^[0-9]+$/.test(piecesText) ? Number(piecesText) : 0;
    if (piecesPerPackage < 1 || piecesPerPackage > MAX_PIECES) return { code: 'INVALID_PIECES', message: `piezas por envase "${piecesText}" inválidas; se espera un entero positivo` };
  }
  const flag = (names: string, label: string): boolean | null | { code: string; message: string } => {
    const value = column(row, names);
    if (value === undefined) return null;
    const parsed = FLAGS.get(normalizeLabel(value));
    return parsed ?? { code: 'INVALID_FLAG', message: `${label} "${value}" inválido; se espera si o no` };
  };
  const highCost = flag(c.highCost, 'alto_costo');
  if (highCost !== null && typeof highCost === 'object') return highCost;
  const coldChain = flag(c.coldChain, 'red_fria');
  if (coldChain !== null && typeof coldChain === 'object') return coldChain;
  const levelsText = column(row, c.levels);
  const authorizedLevels = levelsText === undefined ? null : parseLevels(levelsText);
  if (authorizedLevels === undefined) {
    return { code: 'INVALID_LEVELS', message: `niveles "${levelsText}" inválidos; se esperan dígitos del 1 al 3 separados por | (p. ej. 1|2|3)` };
  }
  return {
    description: column(row, c.description) ?? '',
    kind,
    presentation: column(row, c.presentation) || null,
    piecesPerPackage,
    genericName: null,
    pharmaceuticalForm: null,
    therapeuticGroups: null,
    highCost,
    coldChain,
    authorizedLevels,
  };
}

/** "3|1|1" → [FIRST, THIRD]; undefined when empty or any part is not 1, 2 or 3. */
export function parseLevels(value: string): LevelOfCare[] | undefined {
  const levels = value.split(/[|,]/).map((part) => LEVELS.get(part.trim()));
  if (value.trim() === '' || levels.some((level) => level === undefined)) return undefined;
  return [...LEVELS.values()].filter((level) => levels.includes(level));
}

/**
 * A clave the file lists again (the Compendio lists 186 claves under several therapeutic groups): one
 * clave, with every group it is listed under; its text is the first listing's. Each repeat is reported —
 * SEVERAL_GROUPS when the text is the same, TEXT_DIFFERS (with what differs) when it is not — so the
 * rule applied is never silent, and the result does not depend on where the file's batches fall.
 */
export function mergeCatalogueEntries(first: CatalogueEntry, again: CatalogueEntry): { value: CatalogueEntry; notes: RowRejection[] } {
  const groups = [...new Set([...(first.therapeuticGroups ?? []), ...(again.therapeuticGroups ?? [])])];
  const value = { ...first, therapeuticGroups: first.therapeuticGroups || again.therapeuticGroups ? groups : null };
  const differs = (['description', 'presentation', 'kind'] as const).filter((k) => first[k] !== again[k]);
  const where = again.therapeuticGroups?.length ? ` (grupo ${again.therapeuticGroups.join(', ')})` : '';
  const note: RowRejection = differs.length
    ? {
        line: again.line,
        clues: null,
        code: 'TEXT_DIFFERS',
        message: `Clave ${again.clave}: listada también en la línea ${first.line}${where} con otro texto (${differs.map((k) => DIFFERENCE_LABEL[k]).join(', ')}); se conservó el de la línea ${first.line} y se guardan todos sus grupos`,
      }
    : {
        line: again.line,
        clues: null,
        code: 'SEVERAL_GROUPS',
        message: `Clave ${again.clave}: listada también en la línea ${first.line}${where}; es una sola clave y se guardan todos sus grupos`,
      };
  return { value, notes: [note] };
}

const DIFFERENCE_LABEL = { description: 'descripción', presentation: 'presentación', kind: 'tipo' } as const;
