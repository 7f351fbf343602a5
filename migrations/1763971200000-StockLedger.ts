import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stock ledger: lots, the append-only movements, balances kept in the same transaction and
 * never negative, receipts (the documents pieces arrive on), and idempotency keys.
 */
export class StockLedger1763971200000 implements MigrationInterface {
  name = 'StockLedger1763971200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lot (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        lot_number text COLLATE "C" NOT NULL CHECK (length(lot_number) BETWEEN 1 AND 60),
        expires_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (supply_item_id, lot_number)
      )`);

    await q.query(`
      CREATE TABLE idempotency_key (
        key text COLLATE "C" PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
        operation text NOT NULL,
        subject text NOT NULL,
        request_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE receipt (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        establishment_id integer NOT NULL REFERENCES establishment (id),
        source text NOT NULL CHECK (source IN ('PURCHASE', 'DONATION', 'RETURN', 'OTHER')),
        supplier_document text CHECK (length(supplier_document) <= 100),
        order_number text CHECK (length(order_number) <= 40),
        received_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        idempotency_key text NOT NULL UNIQUE REFERENCES idempotency_key (key)
      )`);
    await q.query(`
      CREATE TABLE receipt_line (
        receipt_id integer NOT NULL REFERENCES receipt (id),
        line smallint NOT NULL,
        lot_id integer NOT NULL REFERENCES lot (id),
        accepted integer NOT NULL CHECK (accepted >= 0),
        rejected integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
        rejection_reason text CHECK (rejection_reason IN ('DAMAGED', 'EXPIRED', 'SHORT_SHIPPED', 'WRONG_ITEM', 'LOST_IN_TRANSIT', 'OTHER')),
        PRIMARY KEY (receipt_id, line),
        CHECK (accepted + rejected > 0),
        CHECK ((rejected = 0) = (rejection_reason IS NULL))
      )`);

    await q.query(`
      CREATE TABLE stock_movement (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        establishment_id integer NOT NULL REFERENCES establishment (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        lot_id integer NOT NULL REFERENCES lot (id),
        quantity integer NOT NULL CHECK (quantity <> 0),
        kind text NOT NULL CHECK (kind IN ('RECEIPT', 'DISPATCH', 'TRANSFER_IN', 'DISPENSE', 'CONSUMPTION', 'ADJUSTMENT',
                                           'COUNT_CORRECTION', 'EXPIRY_WRITE_OFF', 'REVERSAL')),
        reason text CHECK (length(reason) <= 40),
        note text CHECK (length(note) <= 500),
        document text CHECK (length(document) <= 100),
        receipt_id integer REFERENCES receipt (id),
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        idempotency_key text NOT NULL REFERENCES idempotency_key (key),
        -- a reversal names the movement it undoes; UNIQUE: a movement is reversed at most once
        reverses_id bigint UNIQUE REFERENCES stock_movement (id),
        CHECK ((kind = 'REVERSAL') = (reverses_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX stock_movement_location_time_idx ON stock_movement (establishment_id, occurred_at, id)`);
    await q.query(`CREATE INDEX stock_movement_item_time_idx ON stock_movement (establishment_id, supply_item_id, occurred_at, id)`);
    await q.query(`CREATE INDEX stock_movement_lot_idx ON stock_movement (establishment_id, lot_id)`);
    await q.query(`CREATE INDEX stock_movement_key_idx ON stock_movement (idempotency_key)`);
    // Movements are never updated or deleted: a mistake is corrected by a reversal.
    await q.query(`
      CREATE FUNCTION stock_movement_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'stock_movement is append-only: write a REVERSAL instead of %', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER stock_movement_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON stock_movement
        FOR EACH STATEMENT EXECUTE FUNCTION stock_movement_append_only()`);

    await q.query(`
      CREATE TABLE stock_balance (
        establishment_id integer NOT NULL REFERENCES establishment (id),
        lot_id integer NOT NULL REFERENCES lot (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        quantity integer NOT NULL CHECK (quantity >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (establishment_id, lot_id)
      )`);
    await q.query(`CREATE INDEX stock_balance_item_idx ON stock_balance (establishment_id, supply_item_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE stock_balance');
    await q.query('DROP TRIGGER stock_movement_append_only ON stock_movement');
    await q.query('DROP FUNCTION stock_movement_append_only()');
    await q.query('DROP TABLE stock_movement');
    await q.query('DROP TABLE receipt_line');
    await q.query('DROP TABLE receipt');
    await q.query('DROP TABLE idempotency_key');
    await q.query('DROP TABLE lot');
  }
}
