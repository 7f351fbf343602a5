import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lot numbers are now taken as their NFKC form (full-width ＲＴ３ is RT3; see `identifier` in
 * src/graphql/validation.ts), so a lot stored before in another form could no longer be named. Each is
 * rewritten to its NFKC form, unless another lot of the same clave already has (or would take) that
 * form: those are left as they are, for a person to look at — merging two lots is not a migration's
 * decision. Lots are referred to by id everywhere, so the ledger is untouched.
 */
export class NormalizedLotNumbers1764748800000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      WITH forms AS (
        SELECT id, supply_item_id, lot_number, normalize(btrim(lot_number), NFKC) AS form FROM lot
      ), alone AS (
        SELECT supply_item_id, form FROM forms GROUP BY supply_item_id, form HAVING count(*) = 1
      )
      UPDATE lot l SET lot_number = f.form
        FROM forms f JOIN alone a ON a.supply_item_id = f.supply_item_id AND a.form = f.form
       WHERE l.id = f.id AND f.lot_number <> f.form AND length(f.form) BETWEEN 1 AND 60`);
  }

  async down(): Promise<void> {
    // The earlier forms are not kept: nothing to undo.
  }
}
