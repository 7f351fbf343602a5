import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fill-rate rollup: per approved order, supply kind and day (Mexico City), what happened to its
 * pieces that day — lines and pieces approved (emitidas), dispatched, accepted (entregadas), rejected
 * by reason, and lines that became complete. National indicators add these rows up instead of reading
 * every order, shipment and receipt line.
 *
 * One function writes it, `order_fill_refresh(orders)`: it recomputes the given orders' rows from their
 * documents. Every use case that changes an order's figures (approve, cancel, dispatch, receive a
 * shipment, receive a purchase) calls it in its own transaction while it holds the order's row lock,
 * so the rollup commits or rolls back with the documents and two writers never interleave on one
 * order. A change of a clave's supply kind refreshes the orders that carry it (trigger below).
 */
export class OrderFill1764230400000 implements MigrationInterface {
  name = 'OrderFill1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_fill (
        order_id integer NOT NULL REFERENCES supply_order (id),
        supply_kind text NOT NULL,
        "on" date NOT NULL,
        lines integer NOT NULL DEFAULT 0,
        full_lines integer NOT NULL DEFAULT 0,
        approved bigint NOT NULL DEFAULT 0,
        dispatched bigint NOT NULL DEFAULT 0,
        accepted bigint NOT NULL DEFAULT 0,
        rejected bigint NOT NULL DEFAULT 0,
        r_damaged bigint NOT NULL DEFAULT 0,
        r_expired bigint NOT NULL DEFAULT 0,
        r_short_shipped bigint NOT NULL DEFAULT 0,
        r_wrong_item bigint NOT NULL DEFAULT 0,
        r_lost_in_transit bigint NOT NULL DEFAULT 0,
        r_other bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (order_id, supply_kind, "on")
      )`);
    await q.query(`
      CREATE FUNCTION order_fill_refresh(p_orders int[]) RETURNS void LANGUAGE sql AS $fn$
        DELETE FROM order_fill WHERE order_id = ANY (p_orders);
        WITH ord AS (
          SELECT id, (approved_at AT TIME ZONE 'America/Mexico_City')::date AS approved_on
            FROM supply_order WHERE id = ANY (p_orders) AND approved_at IS NOT NULL AND status <> 'CANCELLED'
        ),
        ln AS (
          SELECT l.order_id, l.supply_item_id, l.approved, si.kind, o.approved_on
            FROM supply_order_line l JOIN ord o ON o.id = l.order_id JOIN supply_item si ON si.id = l.supply_item_id
        ),
        moves AS (
          SELECT sh.order_id, sl.supply_item_id, (sh.dispatched_at AT TIME ZONE 'America/Mexico_City')::date AS day,
                 sl.quantity AS sent, 0 AS accepted, 0 AS rejected, NULL::text AS reason
            FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id WHERE sh.order_id IN (SELECT id FROM ord)
          UNION ALL
          SELECT sh.order_id, sl.supply_item_id, (sh.received_at AT TIME ZONE 'America/Mexico_City')::date,
                 0, sl.accepted, sl.rejected, sl.rejection_reason
            FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id
           WHERE sh.order_id IN (SELECT id FROM ord) AND sh.received_at IS NOT NULL
          UNION ALL
          SELECT rc.order_id, lt.supply_item_id, (rc.received_at AT TIME ZONE 'America/Mexico_City')::date,
                 rl.accepted + rl.rejected, rl.accepted, rl.rejected, rl.rejection_reason
            FROM receipt rc JOIN receipt_line rl ON rl.receipt_id = rc.id JOIN lot lt ON lt.id = rl.lot_id
           WHERE rc.order_id IN (SELECT id FROM ord)
        ),
        daily AS (
          SELECT order_id, supply_item_id, day, sum(sent) AS sent, sum(accepted) AS accepted, sum(rejected) AS rejected,
                 sum(rejected) FILTER (WHERE reason = 'DAMAGED') AS r_damaged,
                 sum(rejected) FILTER (WHERE reason = 'EXPIRED') AS r_expired,
                 sum(rejected) FILTER (WHERE reason = 'SHORT_SHIPPED') AS r_short_shipped,
                 sum(rejected) FILTER (WHERE reason = 'WRONG_ITEM') AS r_wrong_item,
                 sum(rejected) FILTER (WHERE reason = 'LOST_IN_TRANSIT') AS r_lost_in_transit,
                 sum(rejected) FILTER (WHERE reason = 'OTHER') AS r_other,
                 sum(sum(accepted)) OVER (PARTITION BY order_id, supply_item_id ORDER BY day) AS accepted_to_date
            FROM moves GROUP BY order_id, supply_item_id, day
        ),
        -- A line is complete from the first day its accepted pieces reach the approved ones
        -- (from its approval when nothing was approved).
        completed AS (
          SELECT ln.order_id, ln.kind,
                 CASE WHEN ln.approved <= 0 THEN ln.approved_on
                      ELSE min(d.day) FILTER (WHERE d.accepted_to_date >= ln.approved) END AS day
            FROM ln LEFT JOIN daily d ON d.order_id = ln.order_id AND d.supply_item_id = ln.supply_item_id
           GROUP BY ln.order_id, ln.supply_item_id, ln.kind, ln.approved, ln.approved_on
        ),
        events AS (
          SELECT order_id, kind, approved_on AS day, 1 AS lines, 0 AS full_lines, approved, 0 AS sent, 0 AS accepted, 0 AS rejected,
                 0 AS r_damaged, 0 AS r_expired, 0 AS r_short_shipped, 0 AS r_wrong_item, 0 AS r_lost_in_transit, 0 AS r_other
            FROM ln
          UNION ALL
          SELECT order_id, kind, day, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM completed WHERE day IS NOT NULL
          UNION ALL
          SELECT d.order_id, ln.kind, d.day, 0, 0, 0, d.sent, d.accepted, d.rejected, coalesce(d.r_damaged, 0), coalesce(d.r_expired, 0),
                 coalesce(d.r_short_shipped, 0), coalesce(d.r_wrong_item, 0), coalesce(d.r_lost_in_transit, 0), coalesce(d.r_other, 0)
            FROM daily d JOIN ln ON ln.order_id = d.order_id AND ln.supply_item_id = d.supply_item_id
        )
        INSERT INTO order_fill (order_id, supply_kind, "on", lines, full_lines, approved, dispatched, accepted, rejected,
                                r_damaged, r_expired, r_short_shipped, r_wrong_item, r_lost_in_transit, r_other)
        SELECT order_id, kind, day, sum(lines), sum(full_lines), sum(approved), sum(sent), sum(accepted), sum(rejected),
               sum(r_damaged), sum(r_expired), sum(r_short_shipped), sum(r_wrong_item), sum(r_lost_in_transit), sum(r_other)
          FROM events GROUP BY order_id, kind, day;
      $fn$`);
    await q.query(`
      CREATE FUNCTION order_fill_on_kind_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM order_fill_refresh(ARRAY(SELECT DISTINCT order_id FROM supply_order_line WHERE supply_item_id = NEW.id));
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE TRIGGER supply_item_kind_refreshes_order_fill AFTER UPDATE OF kind ON supply_item
        FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION order_fill_on_kind_change()`);
    await q.query(`CREATE INDEX supply_order_line_item_idx ON supply_order_line (supply_item_id)`);
    // Orders approved before this migration.
    await q.query(`SELECT order_fill_refresh(ARRAY(SELECT id FROM supply_order WHERE approved_at IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX supply_order_line_item_idx');
    await q.query('DROP TRIGGER supply_item_kind_refreshes_order_fill ON supply_item');
    await q.query('DROP FUNCTION order_fill_on_kind_change()');
    await q.query('DROP FUNCTION order_fill_refresh(int[])');
    await q.query('DROP TABLE order_fill');
  }
}
