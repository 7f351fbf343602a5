import { MigrationInterface, QueryRunner } from 'typeorm';

const REASONS = ['DAMAGED', 'EXPIRED', 'SHORT_SHIPPED', 'WRONG_ITEM', 'LOST_IN_TRANSIT', 'OTHER'];

// the order-fill summary as migration OrderFillSummary made it, with the new reason's column
const MEASURES = ['lines', 'full_lines', 'approved', 'dispatched', 'accepted', 'rejected', 'r_damaged', 'r_expired', 'r_short_shipped', 'r_wrong_item', 'r_lost_in_transit', 'r_other', 'r_recalled'];
const KEYS = ['approved_on', 'state_code', 'warehouse_id', 'supply_kind', '"on"'];

/** Rows of the rollup `source` (a table or a trigger's transition table) under the summary's keys, measures as they are. */
const keyed = (source: string) => `
  SELECT (o.approved_at AT TIME ZONE 'America/Mexico_City')::date AS approved_on, r.state_code,
         coalesce(o.supplying_id, o.requesting_id) AS warehouse_id, f.supply_kind, f."on", ${MEASURES.map((m) => `f.${m}`).join(', ')}
    FROM ${source} f JOIN supply_order o ON o.id = f.order_id JOIN establishment r ON r.id = o.requesting_id`;

/** The same rows added up per key, each measure with `sign`. */
const summed = (source: string, sign = '') =>
  `SELECT ${KEYS.join(', ')}, ${MEASURES.map((m) => `${sign}sum(${m})::bigint AS ${m}`).join(', ')} FROM (${keyed(source)}) k GROUP BY ${KEYS.join(', ')}`;


/**
 * Lot recall (issue 21): a lot held after an alerta sanitaria stops being usable everywhere the hold
 * reaches — the whole network (a hold by central) or one state (by its coordinator) — at once.
 *
 * - lot_hold: every hold and its release, never deleted (the audit trail): why, the alert's reference,
 *   who and when; `state_code` null for the network. At most one open hold per lot and reach.
 *   `ledger_mark` is the lot's last movement id when the hold took the lot's balances (every movement
 *   after it that takes held pieces out for use would be a hole: the concurrency test reads it).
 *
 * - RECALLED, a rejection reason: a unit rejects pieces of a held lot that reach it. The order-fill
 *   rollup and its summary get its column (r_recalled), and order_fill_refresh adds it up.
 *
 * Whether a balance is held is read, not stored (stock_balance is left alone): a balance of a lot with an
 * open hold reaching its location (src/modules/stock/stock.holds.ts, heldSql).
 */
export class LotHolds1765600000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lot_hold (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        lot_id integer NOT NULL REFERENCES lot (id),
        state_code char(2) REFERENCES state (code),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
        held_at timestamptz NOT NULL DEFAULT now(),
        held_by text NOT NULL,
        ledger_mark bigint NOT NULL DEFAULT 0,
        idempotency_key text NOT NULL,
        released_at timestamptz,
        released_by text,
        release_reason text CHECK (length(release_reason) BETWEEN 1 AND 500),
        release_key text,
        CHECK ((released_at IS NULL) = (released_by IS NULL) AND (released_at IS NULL) = (release_reason IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX lot_hold_open_idx ON lot_hold (lot_id, coalesce(state_code, '')) WHERE released_at IS NULL`);
    await q.query(`CREATE INDEX lot_hold_lot_idx ON lot_hold (lot_id, held_at)`);
    // a hold takes the lot's balances network-wide: lot first
    await q.query(`CREATE INDEX stock_balance_lot_idx ON stock_balance (lot_id)`);

    for (const t of ['receipt_line', 'shipment_line']) {
      await q.query(`ALTER TABLE ${t} DROP CONSTRAINT ${t}_rejection_reason_check,
                       ADD CONSTRAINT ${t}_rejection_reason_check CHECK (rejection_reason IN (${[...REASONS, 'RECALLED'].map((r) => `'${r}'`).join(', ')}))`);
    }
    await q.query(`ALTER TABLE order_fill ADD COLUMN IF NOT EXISTS r_recalled bigint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE order_fill_summary ADD COLUMN IF NOT EXISTS r_recalled bigint NOT NULL DEFAULT 0`);
    await q.query(`CREATE OR REPLACE VIEW order_fill_summed AS ${summed('order_fill')}`);
    const apply = (sign: '+' | '-') => `
        INSERT INTO order_fill_summary AS s (${KEYS.join(', ')}, ${MEASURES.join(', ')})
        ${summed('changed', sign)} ORDER BY ${KEYS.join(', ')}
        ON CONFLICT (${KEYS.join(', ')}) DO UPDATE SET ${MEASURES.map((m) => `${m} = s.${m} + EXCLUDED.${m}`).join(', ')};`;
    await q.query(`CREATE OR REPLACE FUNCTION order_fill_summary_add() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${apply('+')} RETURN NULL; END $fn$`);
    const dropEmpty = `
        DELETE FROM order_fill_summary s USING (SELECT DISTINCT ${KEYS.join(', ')} FROM (${keyed('changed')}) k) k
         WHERE (${KEYS.map((k) => `s.${k}`).join(', ')}) = (${KEYS.map((k) => `k.${k}`).join(', ')})
           AND ${MEASURES.map((m) => `s.${m} = 0`).join(' AND ')};`;
    await q.query(`CREATE OR REPLACE FUNCTION order_fill_summary_subtract() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${apply('-')} ${dropEmpty} RETURN NULL; END $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION order_fill_refresh(p_orders int[]) RETURNS void LANGUAGE sql AS $fn$
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
                 sum(rejected) FILTER (WHERE reason = 'RECALLED') AS r_recalled,
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
                 0 AS r_damaged, 0 AS r_expired, 0 AS r_short_shipped, 0 AS r_wrong_item, 0 AS r_lost_in_transit, 0 AS r_other, 0 AS r_recalled
            FROM ln
          UNION ALL
          SELECT order_id, kind, day, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM completed WHERE day IS NOT NULL
          UNION ALL
          SELECT d.order_id, ln.kind, d.day, 0, 0, 0, d.sent, d.accepted, d.rejected, coalesce(d.r_damaged, 0), coalesce(d.r_expired, 0),
                 coalesce(d.r_short_shipped, 0), coalesce(d.r_wrong_item, 0), coalesce(d.r_lost_in_transit, 0), coalesce(d.r_other, 0),
                 coalesce(d.r_recalled, 0)
            FROM daily d JOIN ln ON ln.order_id = d.order_id AND ln.supply_item_id = d.supply_item_id
        )
        INSERT INTO order_fill (order_id, supply_kind, "on", lines, full_lines, approved, dispatched, accepted, rejected,
                                r_damaged, r_expired, r_short_shipped, r_wrong_item, r_lost_in_transit, r_other, r_recalled)
        SELECT order_id, kind, day, sum(lines), sum(full_lines), sum(approved), sum(sent), sum(accepted), sum(rejected),
               sum(r_damaged), sum(r_expired), sum(r_short_shipped), sum(r_wrong_item), sum(r_lost_in_transit), sum(r_other), sum(r_recalled)
          FROM events GROUP BY order_id, kind, day;
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // pieces rejected as RECALLED are counted as OTHER again
    for (const t of ['receipt_line', 'shipment_line']) {
      await q.query(`UPDATE ${t} SET rejection_reason = 'OTHER' WHERE rejection_reason = 'RECALLED'`);
      await q.query(`ALTER TABLE ${t} DROP CONSTRAINT ${t}_rejection_reason_check,
                       ADD CONSTRAINT ${t}_rejection_reason_check CHECK (rejection_reason IN (${REASONS.map((r) => `'${r}'`).join(', ')}))`);
    }
    await q.query('DROP INDEX stock_balance_lot_idx');
    await q.query('DROP TABLE lot_hold');
    // order_fill_refresh, the summary's functions and view keep the column until the OrderFill migrations are undone
  }
}
