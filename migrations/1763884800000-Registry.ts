import { MigrationInterface, QueryRunner } from 'typeorm';

/** States, establishments (CLUES), warehouses, SAI status history and the Compendio catalogue. */
export class Registry1763884800000 implements MigrationInterface {
  name = 'Registry1763884800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE state (
        code char(2) PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
        name text NOT NULL UNIQUE,
        clues_prefix char(2) NOT NULL UNIQUE CHECK (clues_prefix ~ '^[A-Z]{2}$'),
        federalized_by date,
        federalization_wave text,
        UNIQUE (code, clues_prefix)
      )`);
    await q.query(`
      INSERT INTO state (code, name, clues_prefix, federalized_by, federalization_wave) VALUES
      ('01', 'Aguascalientes', 'AS', NULL, NULL),
      ('02', 'Baja California', 'BC', '2023-12-31', '2023-Q4'),
      ('03', 'Baja California Sur', 'BS', '2022-12-31', '2022'),
      ('04', 'Campeche', 'CC', '2022-12-31', '2022'),
      ('05', 'Coahuila de Zaragoza', 'CL', NULL, NULL),
      ('06', 'Colima', 'CM', '2022-12-31', '2022'),
      ('07', 'Chiapas', 'CS', '2023-12-31', '2023-Q4'),
      ('08', 'Chihuahua', 'CH', NULL, NULL),
      ('09', 'Ciudad de México', 'DF', '2023-06-30', '2023-Q2'),
      ('10', 'Durango', 'DG', NULL, NULL),
      ('11', 'Guanajuato', 'GT', NULL, NULL),
      ('12', 'Guerrero', 'GR', '2022-12-31', '2022'),
      ('13', 'Hidalgo', 'HG', '2023-06-30', '2023-Q2'),
      ('14', 'Jalisco', 'JC', NULL, NULL),
      ('15', 'México', 'MC', '2023-12-31', '2023-Q4'),
      ('16', 'Michoacán de Ocampo', 'MN', '2023-03-31', '2023-Q1'),
      ('17', 'Morelos', 'MS', '2023-03-31', '2023-Q1'),
      ('18', 'Nayarit', 'NT', '2022-12-31', '2022'),
      ('19', 'Nuevo León', 'NL', NULL, NULL),
      ('20', 'Oaxaca', 'OC', '2023-06-30', '2023-Q2'),
      ('21', 'Puebla', 'PL', '2023-12-31', '2023-Q4'),
      ('22', 'Querétaro', 'QT', NULL, NULL),
      ('23', 'Quintana Roo', 'QR', '2023-06-30', '2023-Q2'),
      ('24', 'San Luis Potosí', 'SP', '2023-06-30', '2023-Q2'),
      ('25', 'Sinaloa', 'SL', '2022-12-31', '2022'),
      ('26', 'Sonora', 'SR', '2022-12-31', '2022'),
      ('27', 'Tabasco', 'TC', '2023-12-31', '2023-Q4'),
      ('28', 'Tamaulipas', 'TS', '2023-06-30', '2023-Q2'),
      ('29', 'Tlaxcala', 'TL', '2022-12-31', '2022'),
      ('30', 'Veracruz de Ignacio de la Llave', 'VZ', '2022-12-31', '2022'),
      ('31', 'Yucatán', 'YN', NULL, NULL),
      ('32', 'Zacatecas', 'ZS', '2023-06-30', '2023-Q2')`);

    await q.query(`
      CREATE TABLE establishment (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        clues char(11) COLLATE "C" NOT NULL UNIQUE CHECK (clues ~ '^[A-Z]{5}[0-9]{6}$'),
        clues_prefix char(2) GENERATED ALWAYS AS (substr(clues, 1, 2)) STORED,
        institution_code char(3) GENERATED ALWAYS AS (substr(clues, 3, 3)) STORED,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 250),
        state_code char(2) NOT NULL,
        municipality text CHECK (length(municipality) <= 250),
        jurisdiction text CHECK (length(jurisdiction) <= 250),
        establishment_type text CHECK (length(establishment_type) <= 250),
        kind text NOT NULL CHECK (kind IN ('FIXED', 'MOBILE', 'SUPPORT')),
        level_of_care text CHECK (level_of_care IN ('FIRST', 'SECOND', 'THIRD')),
        typology_code text CHECK (length(typology_code) <= 20),
        typology_name text CHECK (length(typology_name) <= 250),
        operating boolean NOT NULL DEFAULT true,
        in_network boolean NOT NULL DEFAULT true,
        in_network_since date,
        supplying_warehouse_id integer,
        latitude numeric(9, 6),
        longitude numeric(9, 6),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- the CLUES prefix must be the one of its state
        FOREIGN KEY (state_code, clues_prefix) REFERENCES state (code, clues_prefix),
        -- lower-case, accent-free name and CLUES for search
        search_text text GENERATED ALWAYS AS (
          translate(lower(clues || ' ' || name), 'áéíóúüñàèìòùÁÉÍÓÚÜÑÀÈÌÒÙ', 'aeiouunaeiouaeiouunaeiou')
        ) STORED
      )`);
    await q.query(`CREATE INDEX establishment_state_idx ON establishment (state_code, clues)`);
    await q.query(`CREATE INDEX establishment_kind_level_idx ON establishment (kind, level_of_care)`);

    await q.query(`
      CREATE TABLE warehouse (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        establishment_id integer NOT NULL UNIQUE REFERENCES establishment (id),
        tier text NOT NULL CHECK (tier IN ('CENTRAL', 'STATE', 'REGIONAL')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      ALTER TABLE establishment ADD CONSTRAINT establishment_supplying_warehouse_fk
        FOREIGN KEY (supplying_warehouse_id) REFERENCES warehouse (id)`);
    await q.query(`CREATE INDEX establishment_supplying_warehouse_idx ON establishment (supplying_warehouse_id, clues)`);

    await q.query(`
      CREATE TABLE sai_status_change (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        establishment_id integer NOT NULL REFERENCES establishment (id),
        status text NOT NULL CHECK (status IN ('NOT_STARTED', 'IMPLEMENTING', 'IN_OPERATION')),
        effective_on date NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        actor text,
        UNIQUE (establishment_id, effective_on)
      )`);

    await q.query(`
      CREATE TABLE supply_item (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        clave char(15) COLLATE "C" NOT NULL UNIQUE CHECK (clave ~ '^[0-9]{3}\\.[0-9]{3}\\.[0-9]{4}\\.[0-9]{2}$'),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
        kind text NOT NULL CHECK (kind IN ('MEDICINE', 'HEALING_MATERIAL', 'VACCINE', 'OTHER')),
        presentation text CHECK (length(presentation) <= 500),
        pieces_per_package integer NOT NULL DEFAULT 1 CHECK (pieces_per_package > 0),
        high_cost boolean NOT NULL DEFAULT false,
        cold_chain boolean NOT NULL DEFAULT false,
        authorized_levels text[] NOT NULL DEFAULT '{}'
          CHECK (authorized_levels <@ ARRAY['FIRST', 'SECOND', 'THIRD']::text[]),
        authorized_from_year smallint CHECK (authorized_from_year BETWEEN 1990 AND 2200),
        authorized_to_year smallint CHECK (authorized_to_year BETWEEN 1990 AND 2200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (authorized_to_year IS NULL OR authorized_from_year IS NULL OR authorized_from_year <= authorized_to_year),
        search_text text GENERATED ALWAYS AS (
          translate(lower(clave || ' ' || description), 'áéíóúüñàèìòùÁÉÍÓÚÜÑÀÈÌÒÙ', 'aeiouunaeiouaeiouunaeiou')
        ) STORED
      )`);
    await q.query(`CREATE INDEX supply_item_kind_idx ON supply_item (kind, clave)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE supply_item');
    await q.query('DROP TABLE sai_status_change');
    await q.query('ALTER TABLE establishment DROP CONSTRAINT establishment_supplying_warehouse_fk');
    await q.query('DROP TABLE warehouse');
    await q.query('DROP TABLE establishment');
    await q.query('DROP TABLE state');
  }
}
