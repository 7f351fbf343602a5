import { DataSource, EntityManager } from 'typeorm';
import { RowRejection, TableRow } from '../../base/tabular';
import { importTable, ImportSummary } from '../../db/importer';
import { claveProblem, isClaveFormat } from '../../domain/clave';
import { LevelOfCare } from '../../domain/enums';
import { normalizeLabel } from '../../domain/text';

/**
 * The institution's list of authorised claves (the "catálogo de claves … de acuerdo con su tipología"):
 * which levels of care or DGIS typologies may hold each clave, whether it is high cost or needs the cold
 * chain, and the years the authorisation runs. The Compendio says none of this; this is the only import
 * that changes it (catalog/authorization.ts reads it).
 *
 * One row per clave, or several (one per typology, say): a clave's rows add up. Columns ("A|B": either
 * name; case, accents and underscores ignored); CLAVE and one of NIVELES or TIPOLOGIAS are required, the
 * others optional, and an absent one leaves what is stored alone:
 */
export const AUTHORIZATION_COLUMNS = {
  clave: 'CLAVE',
  /** 1|2|3, 1,2 or words: PRIMER NIVEL, SEGUNDO, TERCERO… */
  levels: 'NIVELES|NIVEL|NIVELES DE ATENCION|NIVEL DE ATENCION',
  /** DGIS typology codes (CLAVE DE TIPOLOGIA) or names (NOMBRE DE TIPOLOGIA), separated by | */
  typologies: 'TIPOLOGIAS|TIPOLOGIA|CLAVE DE TIPOLOGIA|NOMBRE DE TIPOLOGIA',
  highCost: 'ALTO COSTO|ALTO_COSTO',
  coldChain: 'RED FRIA|RED_FRIA',
  fromYear: 'DESDE|ANO DESDE|DESDE ANO|ANO INICIAL|DESDE EL ANO',
  toYear: 'HASTA|ANO HASTA|HASTA ANO|ANO FINAL|HASTA EL ANO',
} as const;
type Field = keyof typeof AUTHORIZATION_COLUMNS;

export interface ClaveAuthorization {
  line: number;
  clave: string;
  /** null: the file has no such column (left alone). */
  levels: LevelOfCare[] | null;
  typologies: string[] | null;
  highCost: boolean | null;
  coldChain: boolean | null;
  /** undefined: no such column; null: an open end. */
  fromYear: number | null | undefined;
  toYear: number | null | undefined;
}

const LEVEL_WORDS = new Map<string, LevelOfCare>([
  ['1', LevelOfCare.FIRST],
  ['PRIMER', LevelOfCare.FIRST],
  ['PRIMERO', LevelOfCare.FIRST],
  ['PRIMER NIVEL', LevelOfCare.FIRST],
  ['1ER NIVEL', LevelOfCare.FIRST],
  ['2', LevelOfCare.SECOND],
  ['SEGUNDO', LevelOfCare.SECOND],
  ['SEGUNDO NIVEL', LevelOfCare.SECOND],
  ['2DO NIVEL', LevelOfCare.SECOND],
  ['3', LevelOfCare.THIRD],
  ['TERCER', LevelOfCare.THIRD],
  ['TERCERO', LevelOfCare.THIRD],
  ['TERCER NIVEL', LevelOfCare.THIRD],
  ['3ER NIVEL', LevelOfCare.THIRD],
]);
const FLAGS = new Map<string, boolean>([
  ['SI', true],
  ['S', true],
  ['1', true],
  ['X', true],
  ['NO', false],
  ['N', false],
  ['0', false],
]);
const ORDER = [LevelOfCare.FIRST, LevelOfCare.SECOND, LevelOfCare.THIRD];

/** What the mapping needs from the database: the claves of the catalogue and the registry's typologies. */
export interface AuthorizationContext {
  claves: ReadonlySet<string>;
  /** Normalised typology code or name → the code stored (null: a name several codes share). */
  typologies: ReadonlyMap<string, string | null>;
}

export async function authorizationContext(em: EntityManager | DataSource): Promise<AuthorizationContext> {
  const claves: Array<{ clave: string }> = await em.query('SELECT clave FROM supply_item');
  const pairs: Array<{ code: string; name: string | null }> = await em.query(
    'SELECT DISTINCT typology_code AS code, typology_name AS name FROM establishment WHERE typology_code IS NOT NULL',
  );
  const codesOfName = new Map<string, Set<string>>();
  for (const p of pairs) if (p.name) codesOfName.set(normalizeLabel(p.name), (codesOfName.get(normalizeLabel(p.name)) ?? new Set()).add(p.code));
  const typologies = new Map<string, string | null>();
  for (const [name, codes] of codesOfName) typologies.set(name, codes.size === 1 ? [...codes][0] : null);
  // a code is itself, whatever a name says
  for (const p of pairs) typologies.set(normalizeLabel(p.code), p.code);
  return { claves: new Set(claves.map((c) => c.clave)), typologies };
}

function column(row: TableRow, field: Field): string | undefined {
  for (const name of AUTHORIZATION_COLUMNS[field].split('|')) {
    for (const key of [normalizeLabel(name), normalizeLabel(name).replace(/ /g, '_')]) if (row.values.has(key)) return row.values.get(key)!;
  }
  return undefined;
}

export function mapAuthorizationRow(ctx: AuthorizationContext, row: TableRow): { ok: true; value: ClaveAuthorization } | { ok: false; error: RowRejection } {
  const clave = column(row, 'clave') ?? '';
  const reject = (code: string, message: string) => ({ ok: false, error: { line: row.line, clues: null, code, message: `Clave ${clave || '(vacía)'}: ${message}` } }) as const;
  if (!isClaveFormat(clave)) return reject('INVALID_CLAVE', claveProblem(clave));
  if (!ctx.claves.has(clave)) return reject('UNKNOWN_CLAVE', 'no está en el catálogo; cárguela primero con npm run import:catalog');

  const levelsText = column(row, 'levels');
  let levels: LevelOfCare[] | null = null;
  if (levelsText !== undefined) {
    const parts = levelsText.split(/[|,;/]| Y /i).map((p) => normalizeLabel(p)).filter(Boolean);
    const parsed = parts.map((p) => LEVEL_WORDS.get(p));
    if (parsed.some((l) => l === undefined)) return reject('INVALID_LEVELS', `niveles "${levelsText}" inválidos; se esperan 1, 2 o 3 separados por | o comas (p. ej. 1|2)`);
    levels = ORDER.filter((l) => parsed.includes(l));
  }
  const typologiesText = column(row, 'typologies');
  let typologies: string[] | null = null;
  if (typologiesText !== undefined) {
    typologies = [];
    for (const part of typologiesText.split('|').map((p) => p.trim()).filter(Boolean)) {
      const code = ctx.typologies.get(normalizeLabel(part));
      if (code === undefined) return reject('UNKNOWN_TYPOLOGY', `la tipología "${part}" no es de ningún establecimiento del registro; use la CLAVE DE TIPOLOGIA o el NOMBRE DE TIPOLOGIA de la DGIS`);
      if (code === null) return reject('AMBIGUOUS_TYPOLOGY', `el nombre de tipología "${part}" corresponde a varias claves de tipología; use la clave`);
      if (!typologies.includes(code)) typologies.push(code);
    }
    typologies.sort();
  }
  if (!levels?.length && !typologies?.length) {
    return reject('NO_AUTHORIZATION', 'no dice ningún nivel ni tipología: la lista institucional autoriza cada clave para al menos uno');
  }

  const flag = (field: 'highCost' | 'coldChain', label: string): boolean | null | RowRejection => {
    const value = column(row, field);
    if (value === undefined || value === '') return null;
    const parsed = FLAGS.get(normalizeLabel(value));
    return parsed ?? { line: row.line, clues: null, code: 'INVALID_FLAG', message: `Clave ${clave}: ${label} "${value}" inválido; se espera sí o no` };
  };
  const highCost = flag('highCost', 'alto costo');
  if (highCost !== null && typeof highCost === 'object') return { ok: false, error: highCost };
  const coldChain = flag('coldChain', 'red fría');
  if (coldChain !== null && typeof coldChain === 'object') return { ok: false, error: coldChain };

  const year = (field: 'fromYear' | 'toYear'): number | null | undefined | RowRejection => {
    const value = column(row, field);
    if (value === undefined) return undefined;
    if (value === '') return null;
    const n = Number(value);
    if (!/^\d{4}$/.test(value) || n < 1990 || n > 2200) return { line: row.line, clues: null, code: 'INVALID_YEAR', message: `Clave ${clave}: año "${value}" inválido; se espera un año como 2025` };
    return n;
  };
  const fromYear = year('fromYear');
  if (fromYear !== null && typeof fromYear === 'object') return { ok: false, error: fromYear };
  const toYear = year('toYear');
  if (toYear !== null && typeof toYear === 'object') return { ok: false, error: toYear };
  if (fromYear != null && toYear != null && fromYear > toYear) return reject('INVALID_YEAR', `el año final ${toYear} es anterior al inicial ${fromYear}`);

  return { ok: true, value: { line: row.line, clave, levels: levelsText === undefined ? null : levels, typologies, highCost, coldChain, fromYear, toYear } };
}

/** Rows of one clave add up (one row per typology is a common layout); flags and years that disagree are reported. */
export function mergeAuthorizations(a: ClaveAuthorization, b: ClaveAuthorization): { value: ClaveAuthorization; notes: RowRejection[] } {
  const union = <T>(x: T[] | null, y: T[] | null, order: (p: T, q: T) => number): T[] | null => (x || y ? [...new Set([...(x ?? []), ...(y ?? [])])].sort(order) : null);
  const value: ClaveAuthorization = {
    ...a,
    levels: union(a.levels, b.levels, (p, q) => ORDER.indexOf(p) - ORDER.indexOf(q)),
    typologies: union(a.typologies, b.typologies, (p, q) => p.localeCompare(q)),
  };
  const differs = (['highCost', 'coldChain', 'fromYear', 'toYear'] as const).filter((k) => b[k] !== undefined && b[k] !== null && a[k] !== b[k]);
  const labels = { highCost: 'alto costo', coldChain: 'red fría', fromYear: 'año inicial', toYear: 'año final' };
  const notes: RowRejection[] = differs.length
    ? [
        {
          line: b.line,
          clues: null,
          code: 'ROWS_DISAGREE',
          message: `Clave ${b.clave}: ${differs.map((k) => labels[k]).join(', ')} distinto de la línea ${a.line}; se conservó el de la línea ${a.line} y se sumaron sus niveles y tipologías`,
        },
      ]
    : [];
  return { value, notes };
}

/**
 * Imports the institution's list. Claves the list does not name keep what they have; a second run of the
 * same file changes nothing. The whole file is one transaction (it is a few thousand rows).
 */
export async function importAuthorizations(db: DataSource, file: string, opts: { onProgress?(n: number): void; transaction?: EntityManager } = {}): Promise<ImportSummary> {
  const ctx = await authorizationContext(opts.transaction ?? db);
  return importTable<ClaveAuthorization>(db, file, {
    requiredColumns: [AUTHORIZATION_COLUMNS.clave, `${AUTHORIZATION_COLUMNS.levels}|${AUTHORIZATION_COLUMNS.typologies}`],
    knownColumns: [AUTHORIZATION_COLUMNS.levels, AUTHORIZATION_COLUMNS.typologies, AUTHORIZATION_COLUMNS.highCost, AUTHORIZATION_COLUMNS.coldChain, AUTHORIZATION_COLUMNS.fromYear, AUTHORIZATION_COLUMNS.toYear],
    mapRow: (row) => mapAuthorizationRow(ctx, row),
    merge: mergeAuthorizations,
    keyOf: (a) => a.clave,
    writeBatch: writeAuthorizations,
    batchSize: Number.MAX_SAFE_INTEGER,
    onProgress: opts.onProgress,
    transaction: opts.transaction,
  });
}

async function writeAuthorizations(em: EntityManager, rows: ClaveAuthorization[]): Promise<{ created: number; updated: number }> {
  const has = (k: 'fromYear' | 'toYear') => rows.some((r) => r[k] !== undefined);
  const [{ updated }]: Array<{ updated: number }> = await em.query(
    `WITH i AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::boolean[], $6::smallint[], $7::smallint[])
              AS i(clave, levels, typologies, high_cost, cold_chain, from_year, to_year)
     ),
     next AS (
       SELECT s.id,
              coalesce(string_to_array(i.levels, '|'), s.authorized_levels) AS levels,
              coalesce(string_to_array(i.typologies, '|'), s.authorized_typologies) AS typologies,
              coalesce(i.high_cost, s.high_cost) AS high_cost,
              coalesce(i.cold_chain, s.cold_chain) AS cold_chain,
              CASE WHEN $8 THEN i.from_year ELSE s.authorized_from_year END AS from_year,
              CASE WHEN $9 THEN i.to_year ELSE s.authorized_to_year END AS to_year
         FROM i JOIN supply_item s ON s.clave = i.clave
     ),
     upd AS (
       UPDATE supply_item s
          SET authorized_levels = n.levels, authorized_typologies = n.typologies, high_cost = n.high_cost, cold_chain = n.cold_chain,
              authorized_from_year = n.from_year, authorized_to_year = n.to_year, updated_at = now()
         FROM next n
        WHERE s.id = n.id
          AND (s.authorized_levels, s.authorized_typologies, s.high_cost, s.cold_chain, s.authorized_from_year, s.authorized_to_year)
              IS DISTINCT FROM (n.levels, n.typologies, n.high_cost, n.cold_chain, n.from_year, n.to_year)
       RETURNING s.id
     )
     SELECT count(*)::int AS updated FROM upd`,
    [
      rows.map((r) => r.clave),
      rows.map((r) => (r.levels ? r.levels.join('|') : null)),
      rows.map((r) => (r.typologies ? r.typologies.join('|') : null)),
      rows.map((r) => r.highCost),
      rows.map((r) => r.coldChain),
      rows.map((r) => r.fromYear ?? null),
      rows.map((r) => r.toYear ?? null),
      has('fromYear'),
      has('toYear'),
    ],
  );
  return { created: 0, updated };
}
