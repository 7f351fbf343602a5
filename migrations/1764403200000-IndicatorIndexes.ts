import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Found by the national benchmark: indicator 51 reads, for every unit, the latest ratification event
 * of its submission; without this index that was a scan of every event per unit (10.7 s nationally,
 * 51 ms with it).
 */
export class IndicatorIndexes1764403200000 implements MigrationInterface {
  name = 'IndicatorIndexes1764403200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS cpm_submission_event_submission_idx ON cpm_submission_event (submission_id, at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX cpm_submission_event_submission_idx');
  }
}
