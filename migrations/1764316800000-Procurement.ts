import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Open contracts (contratos abiertos): a supplier, a clave, a minimum and a maximum of pieces, a unit
 * price and a validity, optionally for one state. PURCHASE orders name the contract they buy under;
 * their approved pieces may never pass its maximum (checked under a lock on the contract row).
 * Orders also say where they came from: a redistribution between two CLUES is a REPLENISHMENT whose
 * supplier is the CLUES that holds the excess, not a warehouse.
 */
export class Procurement1764316800000 implements MigrationInterface {
  name = 'Procurement1764316800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE contract_number_seq`);
    await q.query(`
      CREATE TABLE procurement_contract (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text COLLATE "C" NOT NULL UNIQUE,
        supplier text NOT NULL CHECK (length(supplier) BETWEEN 1 AND 200),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        state_code char(2) REFERENCES state (code),
        min_pieces integer NOT NULL CHECK (min_pieces >= 0),
        max_pieces integer NOT NULL CHECK (max_pieces > 0),
        unit_price numeric(14, 2) NOT NULL CHECK (unit_price >= 0),
        valid_from date NOT NULL,
        valid_to date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        idempotency_key text NOT NULL UNIQUE REFERENCES idempotency_key (key),
        CHECK (min_pieces <= max_pieces),
        CHECK (valid_from <= valid_to)
      )`);
    await q.query(`CREATE INDEX procurement_contract_item_idx ON procurement_contract (supply_item_id, valid_to)`);
    await q.query(`ALTER TABLE supply_order ADD CONSTRAINT supply_order_contract_fk FOREIGN KEY (contract_id) REFERENCES procurement_contract (id)`);
    await q.query(`CREATE INDEX supply_order_contract_idx ON supply_order (contract_id) WHERE contract_id IS NOT NULL`);
    await q.query(`ALTER TABLE supply_order ADD CONSTRAINT supply_order_contract_purchase CHECK (contract_id IS NULL OR kind = 'PURCHASE')`);
    await q.query(`ALTER TABLE supply_order ADD COLUMN origin text NOT NULL DEFAULT 'REQUEST' CHECK (origin IN ('REQUEST', 'REDISTRIBUTION'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE supply_order DROP COLUMN origin');
    await q.query('ALTER TABLE supply_order DROP CONSTRAINT supply_order_contract_purchase');
    await q.query('DROP INDEX supply_order_contract_idx');
    await q.query('ALTER TABLE supply_order DROP CONSTRAINT supply_order_contract_fk');
    await q.query('DROP TABLE procurement_contract');
    await q.query('DROP SEQUENCE contract_number_seq');
  }
}
