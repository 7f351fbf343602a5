import { DataSource, EntityManager } from 'typeorm';
import { importTable, ImportSummary } from '../../db/importer';
import { LevelOfCare } from '../../domain/enums';
import { CATALOGUE_SHEET_COLUMNS, catalogueColumns, catalogueLayout, CatalogueEntry, mapCatalogueRow, mergeCatalogueEntries } from './compendio';

export interface CatalogImportOptions {
  /** Year range of the authorisation for claves the file creates (existing claves keep theirs). */
  fromYear?: number;
  toYear?: number;
  /**
   * Levels of care the claves the file creates are authorised for, when the file does not say (the
   * Compendio's export never does): none unless given. Existing claves keep theirs.
   */
  levelsForNew?: LevelOfCare[];
  onProgress?(rowsRead: number): void;
  transaction?: EntityManager;
}

export interface CatalogImportSummary extends ImportSummary {
  /** Which layout the header was: the Compendio's own export or the project's CSV (compendio.ts). */
  layout: 'COMPENDIO' | 'ABASTO';
}

/** Set apart group names in one text per row: unnest cannot take an array of arrays of unequal length. */
const SEP = '\u001f';

/**
 * Imports a catalogue (compendio.ts: the Compendio's own export, xlsx or csv, or the project's CSV) into
 * supply items, one clave per clave however often the file lists it. The whole file is one batch, so
 * repeated claves merge wherever they are (the catalogue is a few thousand rows) and a failure leaves
 * nothing half-written. What the file does not state is left as stored; a second run of the same file
 * changes nothing.
 */
export async function importCatalog(db: DataSource, file: string, opts: CatalogImportOptions = {}): Promise<CatalogImportSummary> {
  let layout: CatalogImportSummary['layout'] = 'ABASTO';
  const summary = await importTable<CatalogueEntry>(db, file, {
    requiredColumns: CATALOGUE_SHEET_COLUMNS,
    columnsFor: (header) => catalogueColumns((layout = catalogueLayout(header))),
    mapRow: mapCatalogueRow,
    merge: mergeCatalogueEntries,
    keyOf: (i) => i.clave,
    writeBatch: (em, rows) => upsertItems(em, rows, opts),
    batchSize: Number.MAX_SAFE_INTEGER,
    onProgress: opts.onProgress,
    transaction: opts.transaction,
  });
  return { ...summary, layout };
}

/**
 * New claves are inserted with defaults for what the file does not state; existing ones are updated
 * only where the file states something different (a null keeps the stored value). Authorisations
 * (levels, typologies, years) of an existing clave are only changed by a file that states levels.
 */
async function upsertItems(em: EntityManager, rows: CatalogueEntry[], opts: CatalogImportOptions): Promise<{ created: number; updated: number }> {
  const [{ created, updated }]: Array<{ created: number; updated: number }> = await em.query(
    `WITH i AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::boolean[], $10::boolean[], $11::text[])
              AS i(clave, description, kind, presentation, pieces, generic_name, form, groups, high_cost, cold_chain, levels)
     ),
     ins AS (
       INSERT INTO supply_item (clave, description, kind, presentation, pieces_per_package, generic_name, pharmaceutical_form, therapeutic_groups,
                                high_cost, cold_chain, authorized_levels, authorized_from_year, authorized_to_year)
       SELECT clave, description, kind, presentation, coalesce(pieces, 1), generic_name, form, coalesce(string_to_array(groups, E'\\x1f'), '{}'),
              coalesce(high_cost, false), coalesce(cold_chain, false), coalesce(string_to_array(levels, '|'), $12::text[]), $13::smallint, $14::smallint
         FROM i
       ON CONFLICT (clave) DO NOTHING
       RETURNING clave
     ),
     next AS (
       SELECT s.id, i.description, i.kind,
              coalesce(i.presentation, s.presentation) AS presentation,
              coalesce(i.pieces, s.pieces_per_package) AS pieces_per_package,
              coalesce(i.generic_name, s.generic_name) AS generic_name,
              coalesce(i.form, s.pharmaceutical_form) AS pharmaceutical_form,
              coalesce(string_to_array(i.groups, E'\\x1f'), s.therapeutic_groups) AS therapeutic_groups,
              coalesce(i.high_cost, s.high_cost) AS high_cost,
              coalesce(i.cold_chain, s.cold_chain) AS cold_chain,
              coalesce(string_to_array(i.levels, '|'), s.authorized_levels) AS authorized_levels
         FROM i JOIN supply_item s ON s.clave = i.clave
        WHERE (s.description, s.kind, s.presentation, s.pieces_per_package, s.generic_name, s.pharmaceutical_form, s.therapeutic_groups,
               s.high_cost, s.cold_chain, s.authorized_levels)
              IS DISTINCT FROM
              (i.description, i.kind, coalesce(i.presentation, s.presentation), coalesce(i.pieces, s.pieces_per_package),
               coalesce(i.generic_name, s.generic_name), coalesce(i.form, s.pharmaceutical_form), coalesce(string_to_array(i.groups, E'\\x1f'), s.therapeutic_groups),
               coalesce(i.high_cost, s.high_cost), coalesce(i.cold_chain, s.cold_chain), coalesce(string_to_array(i.levels, '|'), s.authorized_levels))
     ),
     upd AS (
       UPDATE supply_item s
          SET description = n.description, kind = n.kind, presentation = n.presentation, pieces_per_package = n.pieces_per_package,
              generic_name = n.generic_name, pharmaceutical_form = n.pharmaceutical_form, therapeutic_groups = n.therapeutic_groups,
              high_cost = n.high_cost, cold_chain = n.cold_chain, authorized_levels = n.authorized_levels, updated_at = now()
         FROM next n WHERE s.id = n.id
       RETURNING s.id
     )
     SELECT (SELECT count(*) FROM ins)::int AS created, (SELECT count(*) FROM upd)::int AS updated`,
    [
      rows.map((r) => r.clave),
      rows.map((r) => r.description),
      rows.map((r) => r.kind),
      rows.map((r) => r.presentation),
      rows.map((r) => r.piecesPerPackage),
      rows.map((r) => r.genericName),
      rows.map((r) => r.pharmaceuticalForm),
      rows.map((r) => (r.therapeuticGroups ? r.therapeuticGroups.map((g) => g.replaceAll(SEP, ' ')).join(SEP) : null)),
      rows.map((r) => r.highCost),
      rows.map((r) => r.coldChain),
      rows.map((r) => r.authorizedLevels?.join('|') ?? null),
      opts.levelsForNew ?? [],
      opts.fromYear ?? null,
      opts.toYear ?? null,
    ],
  );
  return { created, updated };
}
