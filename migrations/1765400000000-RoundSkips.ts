import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review of issue 20:
 *
 * - distribution_round_skip: the units on a round's routes that got no order and why (no clave of the kit
 *   authorised for them, nothing lacking on a TOP_UP, or nothing free at the warehouse). They are not
 *   round units — no order, and a later round of the month may still supply them — but the round says so.
 * - idempotency_key.outcome: what a step of a request answered when it wrote nothing else (a stop of a
 *   route dispatch that was skipped, with its code and message), so a replay answers the same.
 */
export class RoundSkips1765400000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE distribution_round_skip (
        round_id integer NOT NULL REFERENCES distribution_round (id),
        establishment_id integer NOT NULL REFERENCES establishment (id),
        route_id integer NOT NULL REFERENCES route (id),
        stop_position smallint NOT NULL,
        kits integer NOT NULL CHECK (kits BETWEEN 1 AND 100),
        reason text NOT NULL CHECK (reason IN ('NOT_AUTHORIZED', 'NO_NEED', 'NOTHING_ALLOCATED')),
        PRIMARY KEY (round_id, establishment_id)
      )`);
    await q.query(`ALTER TABLE idempotency_key ADD COLUMN outcome jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_key DROP COLUMN outcome');
    await q.query('DROP TABLE distribution_round_skip');
  }
}
