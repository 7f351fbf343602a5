import { MigrationInterface, QueryRunner } from 'typeorm';

const MEASURES = ['lines', 'full_lines', 'approved', 'dispatched', 'accepted', 'rejected', 'r_damaged', 'r_expired', 'r_short_shipped', 'r_wrong_item', 'r_lost_in_transit', 'r_other'];
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
 * `order_fill` added up without the order: per approval day, requesting state, supplying warehouse
 * (the establishment, as the indicators name it), supply kind and day of the facts. A year of the
 * national network is about 69,000 rows here against 983,000 in `order_fill`, each of which a
 * national breakdown had to join to its order and its establishment.
 *
 * It serves the measures that add up over lines (QUANTITY_FILL_RATE, PIECES_ISSUED_DELIVERED,
 * LINE_FILL_RATE) broken down by STATE, MONTH, WAREHOUSE or SUPPLY_KIND without a CLUES or level
 * filter; everything else keeps reading `order_fill`. Its keys never change for an order: the approval
 * day, the requesting establishment's state (the CLUES prefix) and the supplying warehouse are fixed
 * once the order is approved.
 *
 * Kept by statement-level triggers on `order_fill`: whatever a statement inserts, deletes or updates
 * there is added to or subtracted from these rows in the same statement, so the summary commits or rolls
 * back with the rollup (and with the documents behind it). The view `order_fill_summed` says what it
 * must hold; `npm run fill:check` compares the two.
 */
export class OrderFillSummary1764489600000 implements MigrationInterface {
  name = 'OrderFillSummary1764489600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_fill_summary (
        approved_on date NOT NULL,
        state_code char(2) NOT NULL,
        warehouse_id integer NOT NULL,
        supply_kind text NOT NULL,
        "on" date NOT NULL,
        ${MEASURES.map((m) => `${m} bigint NOT NULL DEFAULT 0`).join(',\n        ')},
        PRIMARY KEY (${KEYS.join(', ')})
      )`);
    // What the summary must hold, by definition: `fill:check` compares the table with it, and rebuilds from it.
    await q.query(`CREATE VIEW order_fill_summed AS ${summed('order_fill')}`);
    // The rows of `changed` (a transition table), signed and added up under the summary's keys.
    const apply = (sign: '+' | '-') => `
        INSERT INTO order_fill_summary AS s (${KEYS.join(', ')}, ${MEASURES.join(', ')})
        ${summed('changed', sign)} ORDER BY ${KEYS.join(', ')}
        ON CONFLICT (${KEYS.join(', ')}) DO UPDATE SET ${MEASURES.map((m) => `${m} = s.${m} + EXCLUDED.${m}`).join(', ')};`;
    await q.query(`CREATE FUNCTION order_fill_summary_add() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${apply('+')} RETURN NULL; END $fn$`);
    // A key whose facts all went (a cancelled order, say) leaves no row of zeros behind: a breakdown
    // read from the summary must show the groups the rollup shows, no more.
    const dropEmpty = `
        DELETE FROM order_fill_summary s USING (SELECT DISTINCT ${KEYS.join(', ')} FROM (${keyed('changed')}) k) k
         WHERE (${KEYS.map((k) => `s.${k}`).join(', ')}) = (${KEYS.map((k) => `k.${k}`).join(', ')})
           AND ${MEASURES.map((m) => `s.${m} = 0`).join(' AND ')};`;
    await q.query(`CREATE FUNCTION order_fill_summary_subtract() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${apply('-')} ${dropEmpty} RETURN NULL; END $fn$`);
    await q.query(`INSERT INTO order_fill_summary SELECT * FROM order_fill_summed`);
    // An UPDATE fires both: its old rows out, its new rows in.
    await q.query(`CREATE TRIGGER order_fill_summary_in AFTER INSERT ON order_fill REFERENCING NEW TABLE AS changed
                   FOR EACH STATEMENT EXECUTE FUNCTION order_fill_summary_add()`);
    await q.query(`CREATE TRIGGER order_fill_summary_out AFTER DELETE ON order_fill REFERENCING OLD TABLE AS changed
                   FOR EACH STATEMENT EXECUTE FUNCTION order_fill_summary_subtract()`);
    await q.query(`CREATE TRIGGER order_fill_summary_changed_out AFTER UPDATE ON order_fill REFERENCING OLD TABLE AS changed
                   FOR EACH STATEMENT EXECUTE FUNCTION order_fill_summary_subtract()`);
    await q.query(`CREATE TRIGGER order_fill_summary_changed_in AFTER UPDATE ON order_fill REFERENCING NEW TABLE AS changed
                   FOR EACH STATEMENT EXECUTE FUNCTION order_fill_summary_add()`);
    // The summary's keys come from the order: they may not change under rows already summed.
    await q.query(`
      CREATE FUNCTION supply_order_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF (OLD.approved_at IS DISTINCT FROM NEW.approved_at OR OLD.supplying_id IS DISTINCT FROM NEW.supplying_id
            OR OLD.requesting_id IS DISTINCT FROM NEW.requesting_id)
           AND EXISTS (SELECT 1 FROM order_fill WHERE order_id = OLD.id) THEN
          RAISE EXCEPTION 'order % has fill-rate facts: delete them before changing its approval or its establishments', OLD.number;
        END IF;
        RETURN NEW;
      END $fn$`);
    await q.query(`CREATE TRIGGER supply_order_keys_fixed BEFORE UPDATE OF approved_at, supplying_id, requesting_id ON supply_order
                   FOR EACH ROW EXECUTE FUNCTION supply_order_keys_fixed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER supply_order_keys_fixed ON supply_order');
    await q.query('DROP FUNCTION supply_order_keys_fixed()');
    for (const t of ['order_fill_summary_in', 'order_fill_summary_out', 'order_fill_summary_changed_out', 'order_fill_summary_changed_in']) {
      await q.query(`DROP TRIGGER ${t} ON order_fill`);
    }
    await q.query('DROP FUNCTION order_fill_summary_add()');
    await q.query('DROP FUNCTION order_fill_summary_subtract()');
    await q.query('DROP VIEW order_fill_summed');
    await q.query('DROP TABLE order_fill_summary');
  }
}
