import { DataSource, EntityManager } from 'typeorm';
import { importTable, ImportSummary } from '../../db/importer';
import { COMPENDIO_REQUIRED_COLUMNS, CompendioItem, mapCompendioRow } from './compendio';

export interface CatalogImportOptions {
  /** Year range of the authorisation for claves the file creates (existing claves keep theirs). */
  fromYear?: number;
  toYear?: number;
  onProgress?(rowsRead: number): void;
  transaction?: EntityManager;
}

const FIELDS = [
  ['description', 'text'],
  ['kind', 'text'],
  ['presentation', 'text'],
  ['pieces_per_package', 'int'],
  ['high_cost', 'boolean'],
  ['cold_chain', 'boolean'],
] as const;

/** Imports the Compendio catalogue CSV (SPEC §7) into supply items, one clave per row. */
export function importCatalog(db: DataSource, file: string, opts: CatalogImportOptions = {}): Promise<ImportSummary> {
  return importTable<CompendioItem>(db, file, {
    requiredColumns: COMPENDIO_REQUIRED_COLUMNS,
    mapRow: mapCompendioRow,
    keyOf: (i) => i.clave,
    writeBatch: (em, rows) => upsertItems(em, rows, opts),
    onProgress: opts.onProgress,
    transaction: opts.transaction,
  });
}

async function upsertItems(em: EntityManager, rows: CompendioItem[], opts: CatalogImportOptions): Promise<{ created: number; updated: number }> {
  const names = FIELDS.map(([n]) => n);
  // Levels travel as one '|'-joined text per row: unnest cannot take an array of arrays of unequal length.
  const result: Array<{ inserted: boolean }> = await em.query(
    `INSERT INTO supply_item (clave, ${names.join(', ')}, authorized_levels, authorized_from_year, authorized_to_year)
     SELECT i.clave, ${names.map((n) => `i.${n}`).join(', ')}, string_to_array(i.levels, '|'), $9::smallint, $10::smallint
       FROM unnest($1::text[], ${FIELDS.map(([, t], k) => `$${k + 2}::${t}[]`).join(', ')}, $8::text[])
            AS i(clave, ${names.join(', ')}, levels)
     ON CONFLICT (clave) DO UPDATE SET ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')},
            authorized_levels = EXCLUDED.authorized_levels, updated_at = now()
      WHERE (${names.map((n) => `supply_item.${n}`).join(', ')}, supply_item.authorized_levels)
            IS DISTINCT FROM (${names.map((n) => `EXCLUDED.${n}`).join(', ')}, EXCLUDED.authorized_levels)
     RETURNING (xmax = 0) AS inserted`,
    [
      rows.map((r) => r.clave),
      rows.map((r) => r.description),
      rows.map((r) => r.kind),
      rows.map((r) => r.presentation),
      rows.map((r) => r.piecesPerPackage),
      rows.map((r) => r.highCost),
      rows.map((r) => r.coldChain),
      rows.map((r) => r.authorizedLevels.join('|')),
      opts.fromYear ?? null,
      opts.toYear ?? null,
    ],
  );
  const created = result.filter((r) => r.inserted).length;
  return { created, updated: result.length - created };
}
