import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-keyed units (issue 19): what DGIS publishes about an establishment's opening and closing (its
 * locality, the date of its ALTA, the date and reason of its BAJA), and the link from a closed CLUES
 * to the one that replaced it (SSA → IMB when a state federalized). A CLUES has at most one successor;
 * a successor may have several predecessors (units merged).
 */
export class CluesSuccession1765100000000 implements MigrationInterface {
  name = 'CluesSuccession1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE establishment
        ADD COLUMN locality text CHECK (length(locality) <= 250),
        ADD COLUMN operating_since date,
        ADD COLUMN closed_on date,
        ADD COLUMN closure_reason text CHECK (length(closure_reason) <= 250)`);
    // Names and places compared as a person reads them: no case, accents, punctuation or extra spaces.
    await q.query(`
      CREATE FUNCTION clues_match_key(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT nullif(btrim(regexp_replace(upper(translate(value, 'áéíóúüñàèìòùÁÉÍÓÚÜÑÀÈÌÒÙ', 'aeiouunaeiouAEIOUUNAEIOU')), '[^A-Z0-9]+', ' ', 'g')), '')
      $fn$`);
    await q.query(`
      CREATE TABLE establishment_succession (
        predecessor_id integer PRIMARY KEY REFERENCES establishment (id) ON DELETE CASCADE,
        successor_id integer NOT NULL REFERENCES establishment (id) ON DELETE CASCADE,
        effective_on date NOT NULL,
        method text NOT NULL CHECK (method IN ('CROSSWALK', 'FILE_MATCH')),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CHECK (predecessor_id <> successor_id)
      )`);
    await q.query(`CREATE INDEX establishment_succession_successor_idx ON establishment_succession (successor_id)`);
    // FILE_MATCH looks for the CLUES opened on the day another closed, in the same state.
    await q.query(`CREATE INDEX establishment_opened_idx ON establishment (state_code, operating_since) WHERE operating_since IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX establishment_opened_idx');
    await q.query('DROP TABLE establishment_succession');
    await q.query('DROP FUNCTION clues_match_key(text)');
    await q.query('ALTER TABLE establishment DROP COLUMN locality, DROP COLUMN operating_since, DROP COLUMN closed_on, DROP COLUMN closure_reason');
  }
}
