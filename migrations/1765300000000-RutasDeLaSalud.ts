import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rutas de la Salud (issue 20): since August 2025 first-level units no longer order; each month a
 * warehouse pushes pre-packed kits along routes. The push flow goes through the same orders, shipments
 * and ledger as everything else (an approved REPLENISHMENT order per unit, origin DISTRIBUTION), so
 * every existing figure — fill rates, indicator 53, in transit — includes it.
 *
 * - kit_template / kit_template_line: a kit (code, version, level of care, validity) and its claves.
 * - kit_size_rule / kit_size_override: how many kits a unit gets a month (establishment_kits says it and
 *   where it came from).
 * - route / route_stop: a warehouse's route, its carrier and delivery week, and its stops in order.
 * - distribution_round, distribution_round_unit, distribution_round_clave: a month's round, one order
 *   per unit, and per clave what was planned, what the warehouse had and what was allocated.
 */
export class RutasDeLaSalud1765300000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE kit_template (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text COLLATE "C" NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,39}$'),
        version integer NOT NULL CHECK (version BETWEEN 1 AND 10000),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        level_of_care text NOT NULL CHECK (level_of_care IN ('FIRST', 'SECOND', 'THIRD')),
        valid_from date NOT NULL,
        valid_to date,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        UNIQUE (code, version),
        CHECK (valid_to IS NULL OR valid_to >= valid_from)
      )`);
    await q.query(`
      CREATE TABLE kit_template_line (
        template_id integer NOT NULL REFERENCES kit_template (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        pieces integer NOT NULL CHECK (pieces BETWEEN 1 AND 1000000),
        PRIMARY KEY (template_id, supply_item_id)
      )`);

    // Kits a month: a unit's own override, else its typology's rule, else the núcleos básicos its DGIS
    // typology names ("URBANO DE 03 NÚCLEOS BÁSICOS" → 3), else one.
    await q.query(`
      CREATE TABLE kit_size_rule (
        typology_code text COLLATE "C" PRIMARY KEY CHECK (length(typology_code) BETWEEN 1 AND 20),
        kits_per_month smallint NOT NULL CHECK (kits_per_month BETWEEN 0 AND 100),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE kit_size_override (
        establishment_id integer PRIMARY KEY REFERENCES establishment (id),
        kits_per_month smallint NOT NULL CHECK (kits_per_month BETWEEN 0 AND 100),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        set_at timestamptz NOT NULL DEFAULT now(),
        set_by text NOT NULL
      )`);
    await q.query(`
      CREATE VIEW establishment_kits AS
      SELECT e.id AS establishment_id,
             coalesce(o.kits_per_month, r.kits_per_month, n.nucleos, 1)::int AS kits,
             CASE WHEN o.kits_per_month IS NOT NULL THEN 'OVERRIDE'
                  WHEN r.kits_per_month IS NOT NULL THEN 'TYPOLOGY_RULE'
                  WHEN n.nucleos IS NOT NULL THEN 'NUCLEOS_BASICOS'
                  ELSE 'DEFAULT' END AS source
        FROM establishment e
        LEFT JOIN kit_size_override o ON o.establishment_id = e.id
        LEFT JOIN kit_size_rule r ON r.typology_code = e.typology_code
        LEFT JOIN LATERAL (
          SELECT nullif(substring(upper(translate(e.typology_name, 'ÚúÁá', 'UuAa')) FROM '([0-9]+) NUCLEOS? BASICOS?'), '')::int AS nucleos
        ) n ON true`);

    await q.query(`
      CREATE TABLE route (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code text COLLATE "C" NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,39}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        warehouse_id integer NOT NULL REFERENCES warehouse (id),
        carrier text NOT NULL CHECK (length(carrier) BETWEEN 1 AND 100),
        -- week of the month the route delivers: 1 = days 1–7 … 4 = days 22–28, 5 = day 29 to the end
        delivery_week smallint NOT NULL CHECK (delivery_week BETWEEN 1 AND 5),
        kit_template_code text COLLATE "C" NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX route_warehouse_idx ON route (warehouse_id, code)`);
    await q.query(`
      CREATE TABLE route_stop (
        route_id integer NOT NULL REFERENCES route (id),
        position smallint NOT NULL CHECK (position BETWEEN 1 AND 1000),
        establishment_id integer NOT NULL REFERENCES establishment (id),
        kit_template_code text COLLATE "C" NOT NULL,
        PRIMARY KEY (route_id, position),
        UNIQUE (route_id, establishment_id),
        -- a unit is on at most one route per kit
        UNIQUE (kit_template_code, establishment_id)
      )`);

    await q.query(`CREATE SEQUENCE distribution_round_number_seq`);
    await q.query(`
      CREATE TABLE distribution_round (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        number text COLLATE "C" NOT NULL UNIQUE,
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        kit_template_id integer NOT NULL REFERENCES kit_template (id),
        mode text NOT NULL CHECK (mode IN ('FULL_KIT', 'TOP_UP')),
        state_codes text[],
        route_codes text[],
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        idempotency_key text NOT NULL,
        UNIQUE (created_by, idempotency_key),
        FOREIGN KEY (created_by, idempotency_key) REFERENCES idempotency_key (subject, key)
      )`);
    await q.query(`ALTER TABLE supply_order DROP CONSTRAINT supply_order_origin_check`);
    await q.query(`
      ALTER TABLE supply_order
        ADD CONSTRAINT supply_order_origin_check CHECK (origin IN ('REQUEST', 'REDISTRIBUTION', 'DISTRIBUTION')),
        ADD COLUMN distribution_round_id integer REFERENCES distribution_round (id),
        ADD CONSTRAINT supply_order_distribution_check CHECK ((origin = 'DISTRIBUTION') = (distribution_round_id IS NOT NULL))`);
    await q.query(`CREATE INDEX supply_order_round_idx ON supply_order (distribution_round_id) WHERE distribution_round_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE distribution_round_unit (
        round_id integer NOT NULL REFERENCES distribution_round (id),
        establishment_id integer NOT NULL REFERENCES establishment (id),
        route_id integer NOT NULL REFERENCES route (id),
        stop_position smallint NOT NULL,
        kits integer NOT NULL CHECK (kits BETWEEN 1 AND 100),
        kits_source text NOT NULL,
        order_id integer NOT NULL UNIQUE REFERENCES supply_order (id),
        -- one round a month per unit and kit
        month date NOT NULL,
        kit_template_code text COLLATE "C" NOT NULL,
        PRIMARY KEY (round_id, establishment_id),
        UNIQUE (month, kit_template_code, establishment_id)
      )`);
    await q.query(`CREATE INDEX distribution_round_unit_route_idx ON distribution_round_unit (round_id, route_id, stop_position)`);
    await q.query(`
      CREATE TABLE distribution_round_clave (
        round_id integer NOT NULL REFERENCES distribution_round (id),
        warehouse_id integer NOT NULL REFERENCES warehouse (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        planned integer NOT NULL CHECK (planned >= 0),
        available integer NOT NULL CHECK (available >= 0),
        allocated integer NOT NULL CHECK (allocated >= 0 AND allocated <= planned AND allocated <= available),
        units integer NOT NULL CHECK (units >= 0),
        short_units integer NOT NULL CHECK (short_units >= 0 AND short_units <= units),
        PRIMARY KEY (round_id, warehouse_id, supply_item_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE distribution_round_clave');
    await q.query('DROP TABLE distribution_round_unit');
    await q.query(`DELETE FROM supply_order_line WHERE order_id IN (SELECT id FROM supply_order WHERE origin = 'DISTRIBUTION')`);
    await q.query(`DELETE FROM supply_order WHERE origin = 'DISTRIBUTION'`);
    await q.query(`ALTER TABLE supply_order DROP CONSTRAINT supply_order_distribution_check, DROP COLUMN distribution_round_id, DROP CONSTRAINT supply_order_origin_check`);
    await q.query(`ALTER TABLE supply_order ADD CONSTRAINT supply_order_origin_check CHECK (origin IN ('REQUEST', 'REDISTRIBUTION'))`);
    await q.query('DROP TABLE distribution_round');
    await q.query('DROP SEQUENCE distribution_round_number_seq');
    await q.query('DROP TABLE route_stop');
    await q.query('DROP TABLE route');
    await q.query('DROP VIEW establishment_kits');
    await q.query('DROP TABLE kit_size_override');
    await q.query('DROP TABLE kit_size_rule');
    await q.query('DROP TABLE kit_template_line');
    await q.query('DROP TABLE kit_template');
  }
}
