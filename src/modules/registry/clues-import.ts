import { DataSource, EntityManager } from 'typeorm';
import { importTable, ImportSummary } from '../../db/importer';
import { institutionOfClues } from '../../domain/clues';
import { DGIS_OPTIONAL_COLUMNS, DGIS_REQUIRED_COLUMNS, DgisEstablishment, DgisField, mapDgisRow } from './dgis';

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
    knownColumns: DGIS_OPTIONAL_COLUMNS,
    // the national workbook has CLUES_YYYYMM and HORARIOS_YYYYMM (opening hours, a row per CLUES too)
    skipSheets: /^HORARIOS/i,
    mapRow: mapDgisRow,
    // The institution is read from the CLUES itself (letters 3–5), as network membership is.
    keep: institutions ? (e) => institutions.has(institutionOfClues(e.clues)) : undefined,
    keyOf: (e) => e.clues,
    writeBatch: upsertEstablishments,
    onProgress: opts.onProgress,
    transaction: opts.transaction,
  });
}

/** Each stored field and the DGIS fields it is made from: with all of them absent from the file, a re-import leaves it alone. */
const FIELDS: ReadonlyArray<readonly [string, string, readonly DgisField[]]> = [
  ['name', 'text', ['name']],
  ['state_code', 'text', ['stateCode', 'stateName']],
  ['municipality', 'text', ['municipality']],
  ['jurisdiction', 'text', ['jurisdiction']],
  ['establishment_type', 'text', ['establishmentType']],
  // from the name alone (no type nor typology) the kind is a guess: a stored one made from them stays
  ['kind', 'text', ['establishmentType', 'typologyCode', 'typologyName']],
  ['level_of_care', 'text', ['level']],
  ['typology_code', 'text', ['typologyCode']],
  ['typology_name', 'text', ['typologyName']],
  ['operating', 'boolean', ['status']],
  ['latitude', 'numeric', ['latitude']],
  ['longitude', 'numeric', ['longitude']],
];

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
  // A file has one header, so one batch has one set of absent columns.
  const absent = new Set(rows[0].absent);
  const updated = FIELDS.filter(([, , from]) => from.some((f) => !absent.has(f))).map(([n]) => n);
  const result: Array<{ inserted: boolean }> = await em.query(
    `INSERT INTO establishment (clues, ${names.join(', ')}, in_network, in_network_since)
     SELECT i.clues, ${names.map((n) => `i.${n}`).join(', ')},
            substr(i.clues, 3, 3) = 'IMB' OR s.federalized_by IS NOT NULL, s.federalized_by
       FROM unnest($1::text[], ${FIELDS.map(([, t], k) => `$${k + 2}::${t}[]`).join(', ')})
            AS i(clues, ${names.join(', ')})
       JOIN state s ON s.code = i.state_code
     ON CONFLICT (clues) DO UPDATE SET ${updated.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}, updated_at = now()
      WHERE (${updated.map((n) => `establishment.${n}`).join(', ')}) IS DISTINCT FROM (${updated.map((n) => `EXCLUDED.${n}`).join(', ')})
     RETURNING (xmax = 0) AS inserted`,
    columns,
  );
  const created = result.filter((r) => r.inserted).length;
  return { created, updated: result.length - created };
}
