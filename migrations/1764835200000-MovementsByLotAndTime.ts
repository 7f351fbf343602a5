import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lot's movements at a location in business-time order: a back-dated movement or count replays the
 * lot's history from its date on (src/modules/stock/ledger.ts), and for the usual movement dated now
 * that range is empty — found in the index alone, where (location, lot) made the busiest lot of the
 * national data set read its 7,935 movements to find none. Replaces that index (its leading columns).
 */
export class MovementsByLotAndTime1764835200000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX stock_movement_lot_time_idx ON stock_movement (establishment_id, lot_id, occurred_at)');
    await q.query('DROP INDEX stock_movement_lot_idx');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX stock_movement_lot_idx ON stock_movement (establishment_id, lot_id)');
    await q.query('DROP INDEX stock_movement_lot_time_idx');
  }
}
