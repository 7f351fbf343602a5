import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One definition of what is on its way to (and promised from) a location, per clave (SPEC §4), read by
 * the stock page, the suggested order and the redistribution alike:
 * - `stock_in_transit`: pieces on shipments to the location not yet received;
 * - `stock_pending`: pieces approved on replenishment orders (APPROVED or PARTIALLY_FULFILLED) and not
 *   yet dispatched — approved − dispatched, never below zero — per requesting and supplying location:
 *   "pending in" for the one, "pending out" for the other.
 * Plain views: a condition on the location is pushed below their GROUP BY, so one location reads only
 * its own rows.
 */
export class StockPipeline1764662400000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW stock_in_transit AS
        SELECT o.requesting_id AS establishment_id, sl.supply_item_id, sum(sl.quantity)::bigint AS pieces
          FROM shipment sh JOIN supply_order o ON o.id = sh.order_id JOIN shipment_line sl ON sl.shipment_id = sh.id
         WHERE sh.status = 'IN_TRANSIT'
         GROUP BY o.requesting_id, sl.supply_item_id`);
    await q.query(`
      CREATE VIEW stock_pending AS
        SELECT o.requesting_id, o.supplying_id, l.supply_item_id, sum(greatest(0, l.approved - l.dispatched))::bigint AS pieces
          FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id
         WHERE o.kind = 'REPLENISHMENT' AND o.status IN ('APPROVED', 'PARTIALLY_FULFILLED')
         GROUP BY o.requesting_id, o.supplying_id, l.supply_item_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP VIEW stock_pending');
    await q.query('DROP VIEW stock_in_transit');
  }
}
