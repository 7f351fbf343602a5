import { DataSource, EntityManager } from 'typeorm';
import { importTable, ImportSummary } from '../../db/importer';
import { institutionOfClues } from '../../domain/clues';
import { DGIS_REQUIRED_COLUMNS, DgisEstablishment, mapDgisRow } from './dgis';

export interface CluesImportOptions {
  /** Keep only these institutions (CLUES letters 3–5, e.g. SSA, IMB); all when empty. */
  institutions?: string[];
  onProgress?(rowsRead: number): void;
  transaction?: EntityManager;
}

/**
 * Imports the DGIS CLUES catalogue. The catalogue owns what DGIS publishes (name, place, type,
 * typology, level, operating status); Abasto owns network membership and supply routes, which
 * a re-import never touches. A new CLUES is in the network when it is IMSS-BIENESTAR's own (IMB)
 * or its state has federalized, since the federalization date.
 */
export function importClues(db: DataSource, file: string, opts: CluesImportOptions = {}): Promise<ImportSummary> {
  const institutions = opts.institutions?.length ? new Set(opts.institutions.map((i) => i.trim().toUpperCase())) : undefined;
  return importTable<DgisEstablishment>(db, file, {
    requiredColumns: DGIS_REQUIRED_COLUMNS,
    mapRow: mapDgisRow,
    // The institution is read from the CLUES itself (letters 3–5), as network membership is.
    keep: institutions ? (e) => institutions.has(institutionOfClues(e.clues)) : undefined,
    keyOf: (e) => e.clues,
    writeBatch: upsertEstablishments,
    onProgress: opts.onProgress,
    transaction: opts.transaction,
  });
}

const FIELDS = [
  ['name', 'text'],
  ['state_code', 'text'],
  ['municipality', 'text'],
  ['jurisdiction', 'text'],
  ['establishment_type', 'text'],
  ['kind', 'text'],
  ['level_of_care', 'text'],
  ['typology_code', 'text'],
  ['typology_name', 'text'],
  ['operating', 'boolean'],
  ['latitude', 'numeric'],
  ['longitude', 'numeric'],
] as const;

async function upsertEstablishments(em: EntityManager, rows: DgisEstablishment[]): Promise<{ created: number; updated: number }> {
  const columns: unknown[][] = [
    rows.map((r) => r.clues),
    rows.map((r) => r.name),
    rows.map((r) => r.stateCode),
    rows.map((r) => r.municipality),
    rows.map((r) => r.jurisdiction),
    rows.map((r) => r.establishmentType),
    rows.map((r) => r.kind),
    rows.map((r) => r.levelOfCare),
    rows.map((r) => r.typologyCode),
    rows.map((r) => r.typologyName),
    rows.map((r) => r.operating),
    rows.map((r) => r.latitude),
    rows.map((r) => r.longitude),
  ];
  const names = FIELDS.map(([n]) => n);
  const result: Array<{ inserted: boolean }> = await em.query(
    `INSERT INTO establishment (clues, ${names.join(', ')}, in_network, in_network_since)
     SELECT i.clues, ${names.map((n) => `i.${n}`).join(', ')},
            substr(i.clues, 3, 3) = 'IMB' OR s.federalized_by IS NOT NULL, s.federalized_by
       FROM unnest($1::text[], ${FIELDS.map(([, t], k) => `$${k + 2}::${t}[]`).join(', ')})
            AS i(clues, ${names.join(', ')})
       JOIN state s ON s.code = i.state_code
     ON CONFLICT (clues) DO UPDATE SET ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}, updated_at = now()
      WHERE (${names.map((n) => `establishment.${n}`).join(', ')}) IS DISTINCT FROM (${names.map((n) => `EXCLUDED.${n}`).join(', ')})
     RETURNING (xmax = 0) AS inserted`,
    columns,
  );
  const created = result.filter((r) => r.inserted).length;
  return { created, updated: result.length - created };
}
