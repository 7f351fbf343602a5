import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tracing a lot through the network (lotTrace, issue 21): every document that names the lot, read lot
 * first. The ledger, shipment lines and receipt lines were indexed by location or by document only, so
 * a lot's movements across 10,000 CLUES meant a scan of the whole ledger.
 * - stock_movement (lot_id, occurred_at, id): the lot's timeline in order, and its figures per place;
 * - shipment_line (lot_id): what left where and is still on the road;
 * - receipt_line (lot_id): the supplier deliveries it came on, those turned away whole included;
 * - lot (lot_number): a lot number named under the wrong clave (LOT_OF_OTHER_CLAVE).
 * The lot's balances use stock_balance (lot_id), which migration LotHolds adds.
 */
export class LotTrace1765500000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX stock_movement_lot_first_idx ON stock_movement (lot_id, occurred_at, id)');
    await q.query('CREATE INDEX shipment_line_lot_idx ON shipment_line (lot_id)');
    await q.query('CREATE INDEX receipt_line_lot_idx ON receipt_line (lot_id)');
    await q.query('CREATE INDEX lot_number_idx ON lot (lot_number)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX lot_number_idx');
    await q.query('DROP INDEX receipt_line_lot_idx');
    await q.query('DROP INDEX shipment_line_lot_idx');
    await q.query('DROP INDEX stock_movement_lot_first_idx');
  }
}
