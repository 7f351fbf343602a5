import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders (órdenes de suministro), shipments (remisiones) with their receipt, and prescriptions.
 * An order line carries its dispatched, accepted and rejected pieces, kept in the same transaction
 * as the shipment or receipt that changes them, so no report has to add shipments up again.
 */
export class Orders1764144000000 implements MigrationInterface {
  name = 'Orders1764144000000';

  async up(q: QueryRunner): Promise<void> {
    // The CPM in force for a location and clave: the year's ratified one, else the latest calculation.
    await q.query(`
      CREATE FUNCTION cpm_in_force(p_est int, p_item int, p_year int, p_month date)
      RETURNS TABLE (cpm int, source text) LANGUAGE sql STABLE AS $fn$
        (SELECT l.cpm, 'RATIFIED' FROM cpm_submission cs JOIN cpm_submission_line l ON l.submission_id = cs.id
          WHERE cs.establishment_id = p_est AND cs.year = p_year AND cs.status = 'RATIFIED' AND l.supply_item_id = p_item)
        UNION ALL
        (SELECT c.value, 'CALCULATED' FROM cpm_calculation c
          WHERE c.establishment_id = p_est AND c.supply_item_id = p_item AND c.month <= p_month AND c.value IS NOT NULL
          ORDER BY c.month DESC LIMIT 1)
        LIMIT 1
      $fn$`);
    // The level whose claves a CLUES may use: its level of care; mobile units give first-level care.
    await q.query(`
      ALTER TABLE establishment ADD COLUMN care_level text
        GENERATED ALWAYS AS (coalesce(level_of_care, CASE WHEN kind = 'MOBILE' THEN 'FIRST' END)) STORED`);
    await q.query(`CREATE SEQUENCE order_number_seq`);
    await q.query(`CREATE SEQUENCE shipment_number_seq`);
    await q.query(`
      CREATE TABLE supply_order (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text COLLATE "C" NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('REPLENISHMENT', 'PURCHASE')),
        status text NOT NULL CHECK (status IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'PARTIALLY_FULFILLED', 'FULFILLED', 'CLOSED', 'CANCELLED')),
        requesting_id integer NOT NULL REFERENCES establishment (id),
        supplying_id integer REFERENCES establishment (id),
        supplier text CHECK (length(supplier) <= 200),
        contract_id integer,
        promised_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        submitted_at timestamptz,
        approved_at timestamptz,
        approved_by text,
        ended_at timestamptz,
        ended_by text,
        end_reason text CHECK (length(end_reason) <= 500),
        idempotency_key text NOT NULL UNIQUE REFERENCES idempotency_key (key),
        CHECK ((kind = 'REPLENISHMENT') = (supplying_id IS NOT NULL)),
        CHECK (kind = 'REPLENISHMENT' OR supplier IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX supply_order_requesting_idx ON supply_order (requesting_id, status)`);
    await q.query(`CREATE INDEX supply_order_supplying_idx ON supply_order (supplying_id, status)`);
    await q.query(`CREATE INDEX supply_order_approved_idx ON supply_order (approved_at)`);
    await q.query(`
      CREATE TABLE supply_order_line (
        order_id integer NOT NULL REFERENCES supply_order (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        requested integer NOT NULL CHECK (requested > 0),
        approved integer CHECK (approved >= 0 AND approved <= requested),
        dispatched integer NOT NULL DEFAULT 0 CHECK (dispatched >= 0),
        accepted integer NOT NULL DEFAULT 0 CHECK (accepted >= 0),
        rejected integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
        PRIMARY KEY (order_id, supply_item_id),
        -- what arrived or was turned away never exceeds what was sent (a supplier's delivery counts as sent when it arrives)
        CHECK (accepted + rejected <= dispatched),
        -- never more accepted than approved
        CHECK (approved IS NULL OR accepted <= approved)
      )`);

    await q.query(`
      CREATE TABLE shipment (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text COLLATE "C" NOT NULL UNIQUE,
        order_id integer NOT NULL REFERENCES supply_order (id),
        status text NOT NULL CHECK (status IN ('IN_TRANSIT', 'RECEIVED')),
        dispatched_at timestamptz NOT NULL,
        dispatched_by text NOT NULL,
        received_at timestamptz,
        received_by text,
        idempotency_key text NOT NULL UNIQUE REFERENCES idempotency_key (key),
        receipt_key text UNIQUE REFERENCES idempotency_key (key)
      )`);
    await q.query(`CREATE INDEX shipment_order_idx ON shipment (order_id)`);
    await q.query(`CREATE INDEX shipment_in_transit_idx ON shipment (order_id) WHERE status = 'IN_TRANSIT'`);
    await q.query(`
      CREATE TABLE shipment_line (
        shipment_id integer NOT NULL REFERENCES shipment (id),
        line smallint NOT NULL,
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        lot_id integer NOT NULL REFERENCES lot (id),
        quantity integer NOT NULL CHECK (quantity > 0),
        accepted integer CHECK (accepted >= 0),
        rejected integer CHECK (rejected >= 0),
        rejection_reason text CHECK (rejection_reason IN ('DAMAGED', 'EXPIRED', 'SHORT_SHIPPED', 'WRONG_ITEM', 'LOST_IN_TRANSIT', 'OTHER')),
        PRIMARY KEY (shipment_id, line),
        UNIQUE (shipment_id, lot_id),
        CHECK ((accepted IS NULL) = (rejected IS NULL)),
        CHECK (accepted IS NULL OR accepted + rejected = quantity),
        CHECK ((coalesce(rejected, 0) = 0) = (rejection_reason IS NULL))
      )`);
    // A purchase order's deliveries come as receipts: tie receipt lines to their order.
    await q.query(`ALTER TABLE receipt ADD COLUMN order_id integer REFERENCES supply_order (id)`);
    await q.query(`CREATE INDEX receipt_order_idx ON receipt (order_id)`);

    await q.query(`
      CREATE TABLE prescription (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        establishment_id integer NOT NULL REFERENCES establishment (id),
        folio text COLLATE "C" NOT NULL CHECK (length(folio) BETWEEN 1 AND 40),
        issued_on date NOT NULL,
        dispensed_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        idempotency_key text NOT NULL UNIQUE REFERENCES idempotency_key (key),
        complete boolean NOT NULL,
        UNIQUE (establishment_id, folio)
      )`);
    await q.query(`CREATE INDEX prescription_issued_idx ON prescription (issued_on, establishment_id)`);
    await q.query(`
      CREATE TABLE prescription_line (
        prescription_id integer NOT NULL REFERENCES prescription (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        prescribed integer NOT NULL CHECK (prescribed > 0),
        dispensed integer NOT NULL CHECK (dispensed >= 0 AND dispensed <= prescribed),
        PRIMARY KEY (prescription_id, supply_item_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE prescription_line');
    await q.query('DROP TABLE prescription');
    await q.query('ALTER TABLE receipt DROP COLUMN order_id');
    await q.query('DROP TABLE shipment_line');
    await q.query('DROP TABLE shipment');
    await q.query('DROP TABLE supply_order_line');
    await q.query('DROP TABLE supply_order');
    await q.query('DROP SEQUENCE shipment_number_seq');
    await q.query('DROP SEQUENCE order_number_seq');
    await q.query('DROP FUNCTION cpm_in_force(int, int, int, date)');
    await q.query('ALTER TABLE establishment DROP COLUMN care_level');
  }
}
