import { DataSource, EntityManager } from 'typeorm';
import { importStep } from '../../db/importer';
import { readTable, requireColumns } from '../../base/tabular';
import { isCluesFormat, normalizeClues } from '../../domain/clues';
import { parseDgisDate } from './dgis';

/**
 * Re-keyed units (issue 19). When a state federalized, DGIS closed each SSA CLUES (FECHA EFECTIVA DE
 * BAJA) and opened an IMB CLUES for the same unit (ULTIMO MOVIMIENTO ALTA on the same day). Two things
 * follow from the file:
 *
 * - the status history (table establishment_status_change): a CLUES closed on D operated until D − 1
 *   and is out of operation from D; a CLUES created by an ALTA on A does not exist before A (neither
 *   operating nor in the network) and is from A. So every network indicator counts the unit once on
 *   any day: the old CLUES up to D − 1, the new one from D.
 * - the link from the closed CLUES to its successor (table establishment_succession), from a crosswalk
 *   (a CLUES_SSH column or a `--crosswalk` CSV) or by matching what is stored: same state,
 *   municipality, locality and unit name (compared by `clues_match_key`), opened the day the other
 *   closed; coordinates (within MATCH_RADIUS_M) break a tie. What is ambiguous or has no match is
 *   reported, never linked.
 *
 * Inheritance is copied when the link is made (not read through the link at every read): the
 * successor gets the predecessor's supplying warehouse, network membership (from the link's date), SAI
 * status and ratified CPM submissions, each only where it has none of its own. Every reader (indicators,
 * plans, scope, stock positions) then sees one CLUES with its own rows and no reader has to know about
 * links; a link made again changes nothing. Stock history is never copied: it stays where it happened
 * (see `includePredecessors` on stockLevels and stockMovements).
 */

/** How far apart (metres) a closed CLUES and a candidate successor may be to be taken as the same place. */
export const MATCH_RADIUS_M = 200;
const ACTOR = 'import:clues';

export interface CrosswalkPair {
  /** Where the pair came from: the line of the DGIS file or of the crosswalk CSV. */
  source: string;
  line: number;
  predecessor: string;
  successor: string;
  /** YYYY-MM-DD, else the predecessor's closing date, else the successor's opening date. */
  effectiveOn: string | null;
}

export interface SuccessionReport {
  /** Links made (or changed) by this run. */
  linked: Array<{ predecessor: string; successor: string; effectiveOn: string; method: 'CROSSWALK' | 'FILE_MATCH' }>;
  /** Closed CLUES with several possible successors that coordinates did not settle: not linked. */
  ambiguous: Array<{ clues: string; candidates: string[] }>;
  /** CLUES closed "por cambio de institución" with no successor found: not linked. */
  unmatched: string[];
  /** Crosswalk rows that could not be applied, with why (Spanish). */
  rejected: Array<{ source: string; line: number; code: string; message: string }>;
}

/**
 * Rewrites the status history of these CLUES from the dates stored for them (operating_since,
 * closed_on), set-based and idempotent: run again, it finds nothing to change. History rows the API
 * recorded between the dates are kept, only their `operating` (and before an ALTA `in_network`) is made
 * to agree with the file.
 */
export async function applyStatusDates(em: EntityManager, clues: string[]): Promise<void> {
  const inForce = (day: string) =>
    `coalesce((SELECT sc.in_network FROM establishment_status_change sc WHERE sc.establishment_id = e.id AND sc.effective_on <= ${day}
                ORDER BY sc.effective_on DESC LIMIT 1), e.in_network)`;
  // From its ALTA the CLUES operates (unless it is closed with no later closing date).
  await em.query(
    `INSERT INTO establishment_status_change (establishment_id, effective_on, operating, in_network, actor)
     SELECT e.id, e.operating_since, e.operating OR coalesce(e.closed_on > e.operating_since, false), ${inForce('e.operating_since')}, '${ACTOR}'
       FROM establishment e WHERE e.clues = ANY ($1::bpchar[]) AND e.operating_since IS NOT NULL
     ON CONFLICT (establishment_id, effective_on) DO UPDATE SET operating = EXCLUDED.operating, recorded_at = now(), actor = EXCLUDED.actor
      WHERE establishment_status_change.operating IS DISTINCT FROM EXCLUDED.operating`,
    [clues],
  );
  // Before it, it did not exist.
  await em.query(
    `UPDATE establishment_status_change sc SET operating = false, in_network = false, recorded_at = now(), actor = '${ACTOR}'
       FROM establishment e
      WHERE e.clues = ANY ($1::bpchar[]) AND e.operating_since IS NOT NULL AND sc.establishment_id = e.id
        AND sc.effective_on < e.operating_since AND (sc.operating OR sc.in_network)`,
    [clues],
  );
  // Closed from its FECHA EFECTIVA DE BAJA on...
  await em.query(
    `INSERT INTO establishment_status_change (establishment_id, effective_on, operating, in_network, actor)
     SELECT e.id, e.closed_on, false, ${inForce('e.closed_on')}, '${ACTOR}'
       FROM establishment e WHERE e.clues = ANY ($1::bpchar[]) AND e.closed_on IS NOT NULL AND NOT e.operating
     ON CONFLICT (establishment_id, effective_on) DO UPDATE SET operating = false, recorded_at = now(), actor = EXCLUDED.actor
      WHERE establishment_status_change.operating`,
    [clues],
  );
  // ...operating until then (since its ALTA, when it has one), closed after.
  await em.query(
    `UPDATE establishment_status_change sc SET operating = sc.effective_on < e.closed_on, recorded_at = now(), actor = '${ACTOR}'
       FROM establishment e
      WHERE e.clues = ANY ($1::bpchar[]) AND e.closed_on IS NOT NULL AND NOT e.operating AND sc.establishment_id = e.id
        AND sc.effective_on >= coalesce(e.operating_since, '-infinity') AND sc.effective_on <> e.closed_on
        AND sc.operating <> (sc.effective_on < e.closed_on)`,
    [clues],
  );
  // A row that repeats the one before it says nothing (the trigger's "today" row of a closure the file dates earlier).
  await em.query(
    `DELETE FROM establishment_status_change d USING (
       SELECT sc.id, (sc.operating, sc.in_network) = (lag(sc.operating) OVER w, lag(sc.in_network) OVER w) AS same
         FROM establishment_status_change sc JOIN establishment e ON e.id = sc.establishment_id
        WHERE e.clues = ANY ($1::bpchar[]) AND (e.operating_since IS NOT NULL OR (e.closed_on IS NOT NULL AND NOT e.operating))
       WINDOW w AS (PARTITION BY sc.establishment_id ORDER BY sc.effective_on)
     ) r WHERE d.id = r.id AND r.same`,
    [clues],
  );
  // A CLUES is not in the network before it exists.
  await em.query(
    `UPDATE establishment e SET in_network_since = e.operating_since
      WHERE e.clues = ANY ($1::bpchar[]) AND e.operating_since IS NOT NULL AND e.in_network
        AND (e.in_network_since IS NULL OR e.in_network_since < e.operating_since)`,
    [clues],
  );
}

/** The crosswalk CSV or workbook of `--crosswalk`: CLUES_ANTERIOR, CLUES_NUEVA and optionally FECHA (dd/mm/aaaa). */
export const CROSSWALK_COLUMNS = {
  // CLUES SSA Y SME: IMSS-BIENESTAR's own catalogue of its units (clues_imb, clues_ssa_y_sme)
  predecessor: 'CLUES ANTERIOR|CLUES SSA|CLUES SSH|CLUES PREDECESORA|CLUES BAJA|CLUES SSA Y SME',
  successor: 'CLUES NUEVA|CLUES IMB|CLUES SUCESORA|CLUES ALTA',
  date: 'FECHA|FECHA EFECTIVA|FECHA DE CAMBIO',
};

export async function readCrosswalk(file: string): Promise<{ pairs: CrosswalkPair[]; rejected: SuccessionReport['rejected'] }> {
  const pairs: CrosswalkPair[] = [];
  const rejected: SuccessionReport['rejected'] = [];
  const required = [CROSSWALK_COLUMNS.predecessor, CROSSWALK_COLUMNS.successor];
  let checked = false;
  for await (const row of readTable(file, { required })) {
    if (!checked) {
      const missing = requireColumns([...row.values.keys()].map((k) => k.replace(/_/g, ' ')), required);
      if (missing.length) throw new Error(`Faltan columnas en la tabla de equivalencias ${file}: ${missing.map((m) => m.split('|')[0]).join(', ')}`);
      checked = true;
    }
    const cell = (names: string) => {
      for (const name of names.split('|')) for (const key of [name, name.replace(/ /g, '_')]) if (row.values.has(key)) return row.values.get(key)!;
      return '';
    };
    const predecessor = normalizeClues(cell(CROSSWALK_COLUMNS.predecessor));
    const successor = normalizeClues(cell(CROSSWALK_COLUMNS.successor));
    // a unit with no predecessor (a new one, in a catalogue of every unit) is no pair
    if (!predecessor) continue;
    const reject = (code: string, message: string) => rejected.push({ source: file, line: row.line, code, message });
    if (!isCluesFormat(predecessor) || !isCluesFormat(successor)) {
      reject('INVALID_CLUES', `CLUES con formato inválido («${predecessor}» → «${successor}»); se esperan 2 letras de entidad, 3 de institución y 6 dígitos`);
      continue;
    }
    if (predecessor === successor) {
      reject('INVALID_CLUES', `La CLUES ${predecessor} no puede sucederse a sí misma`);
      continue;
    }
    const date = parseDgisDate(cell(CROSSWALK_COLUMNS.date));
    if (date !== null && typeof date === 'object') {
      reject('INVALID_DATE', `FECHA: ${date.error}`);
      continue;
    }
    pairs.push({ source: file, line: row.line, predecessor, successor, effectiveOn: date });
  }
  return { pairs, rejected };
}

/**
 * Candidate successors of every closed CLUES that has none yet, over everything stored (so a file split
 * across runs still links): one row per (closed, candidate) with the distance in metres when both have
 * coordinates.
 */
const CANDIDATES_SQL = `
  SELECT p.id AS pid, p.clues AS pclues, s.id AS sid, s.clues AS sclues,
         CASE WHEN p.latitude IS NOT NULL AND s.latitude IS NOT NULL AND p.longitude IS NOT NULL AND s.longitude IS NOT NULL
              THEN sqrt(power((s.latitude - p.latitude) * 111320, 2) + power((s.longitude - p.longitude) * 111320 * cos(radians(p.latitude)), 2)) END AS dist
    FROM establishment p
    JOIN establishment s ON s.state_code = p.state_code AND s.operating_since = p.closed_on AND s.id <> p.id
     AND clues_match_key(s.name) = clues_match_key(p.name)
     AND clues_match_key(s.municipality) IS NOT DISTINCT FROM clues_match_key(p.municipality)
     AND clues_match_key(s.locality) IS NOT DISTINCT FROM clues_match_key(p.locality)
   WHERE NOT p.operating AND p.closed_on IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM establishment_succession l WHERE l.predecessor_id = p.id)
     AND NOT EXISTS (SELECT 1 FROM establishment_succession l WHERE l.successor_id = s.id)`;

/**
 * Links closed CLUES to their successors: the crosswalk pairs first (they win over matching, and
 * replace a FILE_MATCH link), then FILE_MATCH over what is stored; then what the new links inherit.
 * One transaction; run once at the end of an import.
 */
export async function linkSuccessors(
  db: DataSource | EntityManager,
  pairs: CrosswalkPair[],
  rejected: SuccessionReport['rejected'] = [],
): Promise<SuccessionReport> {
  return importStep(db, async (em) => {
    const report: SuccessionReport = { linked: [], ambiguous: [], unmatched: [], rejected: [...rejected] };
    const crosswalk: Array<{ k: number; predecessor: string; successor: string; effective_on: string | null; p: number | null; s: number | null; eff: string | null; loop: boolean }> =
      await em.query(
        `SELECT x.k::int, x.predecessor, x.successor, x.effective_on::text, p.id AS p, s.id AS s,
                coalesce(x.effective_on, p.closed_on, s.operating_since)::text AS eff,
                EXISTS (SELECT 1 FROM establishment_succession l WHERE l.predecessor_id = s.id AND l.successor_id = p.id) AS loop
           FROM unnest($1::text[], $2::text[], $3::date[]) WITH ORDINALITY AS x(predecessor, successor, effective_on, k)
           LEFT JOIN establishment p ON p.clues = x.predecessor
           LEFT JOIN establishment s ON s.clues = x.successor
          ORDER BY x.k`,
        [pairs.map((x) => x.predecessor), pairs.map((x) => x.successor), pairs.map((x) => x.effectiveOn)],
      );
    // A CLUES has one successor: the last row naming it wins (the crosswalk CSV is read after the DGIS file).
    const chosen = new Map<number, { p: number; s: number; eff: string }>();
    for (const row of crosswalk) {
      const pair = pairs[row.k - 1];
      const reject = (code: string, message: string) => report.rejected.push({ source: pair.source, line: pair.line, code, message });
      if (row.p === null || row.s === null) reject('UNKNOWN_CLUES', `La CLUES ${row.p === null ? row.predecessor : row.successor} no está registrada: importe primero el catálogo que la trae`);
      else if (row.eff === null) reject('MISSING_DATE', `Sin fecha para ${row.predecessor} → ${row.successor}: ni la tabla ni el catálogo la dan; agregue la columna FECHA (dd/mm/aaaa)`);
      else if (row.loop) reject('SUCCESSION_LOOP', `${row.successor} ya es predecesora de ${row.predecessor}: una CLUES no puede suceder a su sucesora`);
      else chosen.set(row.p, { p: row.p, s: row.s, eff: row.eff });
    }
    const links = [...chosen.values()];
    const crossLinked: Array<{ predecessor_id: number; successor_id: number }> = links.length
      ? await em.query(
          `INSERT INTO establishment_succession (predecessor_id, successor_id, effective_on, method)
           SELECT * , 'CROSSWALK' FROM unnest($1::int[], $2::int[], $3::date[])
           ON CONFLICT (predecessor_id) DO UPDATE SET successor_id = EXCLUDED.successor_id, effective_on = EXCLUDED.effective_on, method = 'CROSSWALK', recorded_at = now()
            WHERE (establishment_succession.successor_id, establishment_succession.effective_on, establishment_succession.method)
                  IS DISTINCT FROM (EXCLUDED.successor_id, EXCLUDED.effective_on, EXCLUDED.method)
           RETURNING predecessor_id, successor_id`,
          [links.map((l) => l.p), links.map((l) => l.s), links.map((l) => l.eff)],
        )
      : [];

    // One candidate, or one within MATCH_RADIUS_M of several; and a successor chosen by one closed CLUES only.
    const matched: Array<{ predecessor_id: number; successor_id: number }> = await em.query(
      `WITH cand AS (${CANDIDATES_SQL}),
            ranked AS (
              SELECT pid, sid, dist, count(*) OVER (PARTITION BY pid) AS n,
                     count(*) FILTER (WHERE dist <= ${MATCH_RADIUS_M}) OVER (PARTITION BY pid) AS near
                FROM cand),
            chosen AS (SELECT pid, sid FROM ranked WHERE n = 1 OR (near = 1 AND dist <= ${MATCH_RADIUS_M})),
            single AS (SELECT pid, sid FROM (SELECT pid, sid, count(*) OVER (PARTITION BY sid) AS k FROM chosen) c WHERE k = 1)
       INSERT INTO establishment_succession (predecessor_id, successor_id, effective_on, method)
       SELECT u.pid, u.sid, p.closed_on, 'FILE_MATCH' FROM single u JOIN establishment p ON p.id = u.pid
       ON CONFLICT (predecessor_id) DO NOTHING
       RETURNING predecessor_id, successor_id`,
    );

    const made = [...crossLinked, ...matched];
    if (made.length) {
      await inherit(em, made.map((l) => l.predecessor_id));
      report.linked = await em.query(
        `SELECT p.clues AS predecessor, s.clues AS successor, l.effective_on::text AS "effectiveOn", l.method
           FROM establishment_succession l JOIN establishment p ON p.id = l.predecessor_id JOIN establishment s ON s.id = l.successor_id
          WHERE l.predecessor_id = ANY ($1::int[]) ORDER BY p.clues`,
        [made.map((l) => l.predecessor_id)],
      );
    }
    report.ambiguous = await em.query(
      `SELECT pclues AS clues, array_agg(sclues ORDER BY sclues) AS candidates FROM (${CANDIDATES_SQL}) c GROUP BY pclues ORDER BY pclues`,
    );
    report.unmatched = (
      await em.query(
        `SELECT p.clues FROM establishment p
          WHERE NOT p.operating AND clues_match_key(p.closure_reason) LIKE '%CAMBIO DE INSTITUCION%'
            AND NOT EXISTS (SELECT 1 FROM establishment_succession l WHERE l.predecessor_id = p.id)
            AND NOT EXISTS (SELECT 1 FROM (${CANDIDATES_SQL}) c WHERE c.pid = p.id)
          ORDER BY p.clues`,
      )
    ).map((r: { clues: string }) => r.clues);
    return report;
  });
}

/** What the successors of these (just linked) predecessors take from them: see the module's comment. */
async function inherit(em: EntityManager, predecessorIds: number[]): Promise<void> {
  const links = `SELECT l.predecessor_id AS pid, l.successor_id AS sid, l.effective_on AS eff FROM establishment_succession l WHERE l.predecessor_id = ANY ($1::int[])`;
  // The supply route.
  await em.query(
    `UPDATE establishment s SET supplying_warehouse_id = p.supplying_warehouse_id, updated_at = now()
       FROM (${links}) l JOIN establishment p ON p.id = l.pid
      WHERE s.id = l.sid AND s.supplying_warehouse_id IS NULL AND p.supplying_warehouse_id IS NOT NULL`,
    [predecessorIds],
  );
  // Network membership, from the link's date (the status-history trigger takes the date from abasto.status_effective_on).
  const joining: Array<{ eff: string }> = await em.query(
    `SELECT DISTINCT l.eff::text FROM (${links}) l JOIN establishment p ON p.id = l.pid JOIN establishment s ON s.id = l.sid
      WHERE p.in_network AND NOT s.in_network`,
    [predecessorIds],
  );
  for (const { eff } of joining) {
    await em.query(`SELECT set_config('abasto.status_effective_on', $1, true), set_config('abasto.actor', '${ACTOR}', true)`, [eff]);
    await em.query(
      `UPDATE establishment s SET in_network = true, in_network_since = GREATEST(s.operating_since, l.eff), updated_at = now()
         FROM (${links}) l JOIN establishment p ON p.id = l.pid
        WHERE s.id = l.sid AND p.in_network AND NOT s.in_network AND l.eff = $2::date`,
      [predecessorIds, eff],
    );
  }
  if (joining.length) await em.query(`SELECT set_config('abasto.status_effective_on', '', true)`);
  // The SAI status, as last recorded on the old CLUES, from the link's date; only for a successor with no SAI history.
  await em.query(
    `INSERT INTO sai_status_change (establishment_id, status, effective_on, actor)
     SELECT DISTINCT ON (l.sid) l.sid, st.status, l.eff, '${ACTOR}: heredado de ' || p.clues
       FROM (${links}) l JOIN establishment p ON p.id = l.pid
       JOIN LATERAL (SELECT x.status FROM sai_status_change x WHERE x.establishment_id = l.pid ORDER BY x.effective_on DESC LIMIT 1) st ON true
      WHERE NOT EXISTS (SELECT 1 FROM sai_status_change x WHERE x.establishment_id = l.sid)
      ORDER BY l.sid, l.eff DESC
     ON CONFLICT (establishment_id, effective_on) DO NOTHING`,
    [predecessorIds],
  );
  // Ratified CPM submissions (with their lines and the ratification, at its original time), for years the successor has none.
  await em.query(
    `WITH src AS (
       SELECT DISTINCT ON (l.sid, cs.year) l.sid, p.clues AS pclues, cs.*
         FROM (${links}) l JOIN establishment p ON p.id = l.pid
         JOIN cpm_submission cs ON cs.establishment_id = l.pid AND cs.status = 'RATIFIED'
        WHERE NOT EXISTS (SELECT 1 FROM cpm_submission x WHERE x.establishment_id = l.sid AND x.year = cs.year)
        ORDER BY l.sid, cs.year, cs.ratified_at DESC
     ), ins AS (
       INSERT INTO cpm_submission (establishment_id, year, status, calculated_from, proposed_at, proposed_by, ratified_at, ratified_by)
       SELECT sid, year, status, calculated_from, proposed_at, proposed_by, ratified_at, ratified_by FROM src
       RETURNING id, establishment_id, year
     ), pairs AS (
       SELECT ins.id AS new_id, src.id AS old_id, src.pclues, src.ratified_at, src.ratified_by
         FROM ins JOIN src ON src.sid = ins.establishment_id AND src.year = ins.year
     ), lines AS (
       INSERT INTO cpm_submission_line (submission_id, supply_item_id, cpm, calculated, justification)
       SELECT pairs.new_id, li.supply_item_id, li.cpm, li.calculated, li.justification
         FROM pairs JOIN cpm_submission_line li ON li.submission_id = pairs.old_id
     )
     INSERT INTO cpm_submission_event (submission_id, action, actor, at, reason)
     SELECT new_id, 'RATIFIED', coalesce(ratified_by, '${ACTOR}'), ratified_at, 'Heredado de la CLUES ' || pclues FROM pairs`,
    [predecessorIds],
  );
}
