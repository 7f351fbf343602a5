import { DataSource, EntityManager } from 'typeorm';
import { importTable, ImportSummary } from '../../db/importer';
import { institutionOfClues } from '../../domain/clues';
import { DGIS_OPTIONAL_COLUMNS, DGIS_REQUIRED_COLUMNS, DgisEstablishment, DgisField, mapDgisRow } from './dgis';
import { applyStatusDates, CrosswalkPair, linkSuccessors, readCrosswalk, SuccessionReport } from './succession';

export interface CluesImportOptions {
  /** Keep only these institutions (CLUES letters 3–5, e.g. SSA, IMB); all when empty. */
  institutions?: string[];
  onProgress?(rowsRead: number): void;
  transaction?: EntityManager;
  /** A crosswalk CSV or workbook (CLUES_ANTERIOR, CLUES_NUEVA, FECHA optional): its pairs are linked before, and win over, matching. */
  crosswalk?: string;
}

export interface CluesImportSummary extends ImportSummary {
  /** Predecessor/successor links made by this run, and what could not be linked (see succession.ts). */
  succession: SuccessionReport;
  /** `--institutions` codes no row of the file has (when others had rows; with none, the import is an error). */
  institutionsNotInFile?: string[];
}

/**
 * Imports the DGIS CLUES catalogue. Its dates are the status history (FECHA EFECTIVA DE BAJA, the
 * FECHA ULTIMO MOVIMIENTO of an ALTA) and, once the file is read, closed CLUES are linked to the CLUES
 * that replaced them (succession.ts). The catalogue owns what DGIS publishes (name, place, type,
 * typology, level, operating status); Abasto owns network membership and supply routes, which
 * a re-import never touches. A new CLUES is in the network when it is IMSS-BIENESTAR's own (IMB)
 * or its state has federalized, since the federalization date.
 */
export async function importClues(db: DataSource, file: string, opts: CluesImportOptions = {}): Promise<CluesImportSummary> {
  const institutions = opts.institutions?.length ? new Set(opts.institutions.map((i) => i.trim().toUpperCase())) : undefined;
  const malformed = [...(institutions ?? [])].filter((code) => !/^[A-Z]{3}$/.test(code));
  if (malformed.length) {
    throw new Error(`Código de institución inválido: ${malformed.join(', ')}. Son las 3 letras que la CLUES lleva tras la entidad, p. ej. IMB o SSA (--institutions SSA,IMB).`);
  }
  const seen = new Map<string, number>();
  // read first, so that a bad crosswalk stops the run before anything is written
  const crosswalk = opts.crosswalk ? await readCrosswalk(opts.crosswalk) : { pairs: [], rejected: [] };
  const filePairs: CrosswalkPair[] = [];
  const summary = await importTable<DgisEstablishment>(db, file, {
    requiredColumns: DGIS_REQUIRED_COLUMNS,
    knownColumns: DGIS_OPTIONAL_COLUMNS,
    // the national workbook has CLUES_YYYYMM and HORARIOS_YYYYMM (opening hours, a row per CLUES too)
    skipSheets: /^HORARIOS/i,
    mapRow: mapDgisRow,
    // The institution is read from the CLUES itself (letters 3–5), as network membership is.
    keep: institutions
      ? (e) => {
          const code = institutionOfClues(e.clues);
          seen.set(code, (seen.get(code) ?? 0) + 1);
          return institutions.has(code);
        }
      : undefined,
    keyOf: (e) => e.clues,
    writeBatch: (em, rows) => {
      for (const r of rows) {
        if (r.predecessorClues) filePairs.push({ source: file, line: r.line, predecessor: r.predecessorClues, successor: r.clues, effectiveOn: null });
      }
      return upsertEstablishments(em, rows);
    },
    onProgress: opts.onProgress,
    transaction: opts.transaction,
  });
  // Codes no row has: a typo (IBM for IMB) or a state without that institution. When no code matched at
  // all, nothing was kept (so nothing written): that is an error, never "0 rows" in silence.
  const absent = [...(institutions ?? [])].filter((code) => !seen.has(code));
  if (institutions && absent.length === institutions.size) {
    const inFile = [...seen].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n.toLocaleString('es-MX')}`);
    throw new Error(
      `Ninguna fila de ${file} es de ${absent.length > 1 ? 'las instituciones' : 'la institución'} ${absent.join(', ')}; no se importó nada. ` +
        `Instituciones en el archivo: ${inFile.join(', ') || 'ninguna'}.`,
    );
  }
  // Once, at the end, over everything stored: links need both CLUES, which may come in different batches or runs.
  const succession = await linkSuccessors(opts.transaction ?? db, [...filePairs, ...crosswalk.pairs], crosswalk.rejected);
  return { ...summary, succession, ...(absent.length ? { institutionsNotInFile: absent } : {}) };
}

/** Each stored field and the DGIS fields it is made from: with all of them absent from the file, a re-import leaves it alone. */
const FIELDS: ReadonlyArray<readonly [column: string, type: string, from: readonly DgisField[], update?: string]> = [
  ['name', 'text', ['name']],
  ['state_code', 'text', ['stateCode', 'stateName']],
  ['municipality', 'text', ['municipality']],
  ['locality', 'text', ['locality']],
  ['jurisdiction', 'text', ['jurisdiction']],
  ['establishment_type', 'text', ['establishmentType']],
  // from the name alone (no type nor typology) the kind is a guess: a stored one made from them stays
  ['kind', 'text', ['establishmentType', 'typologyCode', 'typologyName']],
  ['level_of_care', 'text', ['level']],
  ['typology_code', 'text', ['typologyCode']],
  ['typology_name', 'text', ['typologyName']],
  ['operating', 'boolean', ['status']],
  // a later movement (a modification) does not undo the ALTA: the stored date stays
  ['operating_since', 'date', ['lastMovement', 'lastMovementOn'], 'coalesce(EXCLUDED.operating_since, establishment.operating_since)'],
  ['closed_on', 'date', ['closedOn']],
  ['closure_reason', 'text', ['closureReason']],
  ['latitude', 'numeric', ['latitude']],
  ['longitude', 'numeric', ['longitude']],
];

async function upsertEstablishments(em: EntityManager, rows: DgisEstablishment[]): Promise<{ created: number; updated: number }> {
  const columns: unknown[][] = [
    rows.map((r) => r.clues),
    rows.map((r) => r.name),
    rows.map((r) => r.stateCode),
    rows.map((r) => r.municipality),
    rows.map((r) => r.locality),
    rows.map((r) => r.jurisdiction),
    rows.map((r) => r.establishmentType),
    rows.map((r) => r.kind),
    rows.map((r) => r.levelOfCare),
    rows.map((r) => r.typologyCode),
    rows.map((r) => r.typologyName),
    rows.map((r) => r.operating),
    rows.map((r) => r.operatingSince),
    rows.map((r) => r.closedOn),
    rows.map((r) => r.closureReason),
    rows.map((r) => r.latitude),
    rows.map((r) => r.longitude),
  ];
  const names = FIELDS.map(([n]) => n);
  // A file has one header, so one batch has one set of absent columns.
  const absent = new Set(rows[0].absent);
  const updated = FIELDS.filter(([, , from]) => from.some((f) => !absent.has(f)));
  const set = updated.map(([n, , , expr]) => [n, expr ?? `EXCLUDED.${n}`]);
  const result: Array<{ inserted: boolean }> = await em.query(
    `INSERT INTO establishment (clues, ${names.join(', ')}, in_network, in_network_since)
     SELECT i.clues, ${names.map((n) => `i.${n}`).join(', ')},
            substr(i.clues, 3, 3) = 'IMB' OR s.federalized_by IS NOT NULL,
            -- a CLUES created after its state federalized is in the network from its ALTA
            GREATEST(s.federalized_by, i.operating_since)
       FROM unnest($1::text[], ${FIELDS.map(([, t], k) => `$${k + 2}::${t}[]`).join(', ')})
            AS i(clues, ${names.join(', ')})
       JOIN state s ON s.code = i.state_code
     ON CONFLICT (clues) DO UPDATE SET ${set.map(([n, e]) => `${n} = ${e}`).join(', ')}, updated_at = now()
      WHERE (${set.map(([n]) => `establishment.${n}`).join(', ')}) IS DISTINCT FROM (${set.map(([, e]) => e).join(', ')})
     RETURNING (xmax = 0) AS inserted`,
    columns,
  );
  const created = result.filter((r) => r.inserted).length;
  if (!absent.has('status') && !(absent.has('closedOn') && absent.has('lastMovementOn'))) await applyStatusDates(em, rows.map((r) => r.clues));
  return { created, updated: result.length - created };
}
