import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Compendio as it is published, and authorisations as the institution gives them (issue 19):
 *
 * - descriptions as long as the official ones (the longest medicine's is 1,712 characters) and the
 *   Compendio's own parts of it: generic name, pharmaceutical form and every therapeutic group the clave
 *   is listed under (186 claves are listed under several);
 * - authorisation by DGIS typology (CSR, HC...) beside the level of care: the institution's "catálogo de
 *   claves de acuerdo con su tipología". Which claves a location may hold is catalog/authorization.ts.
 */
export class CatalogueAsPublished1765200000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE supply_item DROP CONSTRAINT supply_item_description_check, DROP CONSTRAINT supply_item_presentation_check`);
    await q.query(`
      ALTER TABLE supply_item
        ADD CONSTRAINT supply_item_description_check CHECK (length(description) BETWEEN 1 AND 4000),
        ADD CONSTRAINT supply_item_presentation_check CHECK (length(presentation) <= 2000),
        ADD COLUMN generic_name text CHECK (length(generic_name) BETWEEN 1 AND 500),
        ADD COLUMN pharmaceutical_form text CHECK (length(pharmaceutical_form) BETWEEN 1 AND 500),
        ADD COLUMN therapeutic_groups text[] NOT NULL DEFAULT '{}' CHECK (cardinality(therapeutic_groups) <= 50),
        ADD COLUMN authorized_typologies text[] NOT NULL DEFAULT '{}' CHECK (cardinality(authorized_typologies) <= 200)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE supply_item DROP COLUMN authorized_typologies, DROP COLUMN therapeutic_groups,
        DROP COLUMN pharmaceutical_form, DROP COLUMN generic_name,
        DROP CONSTRAINT supply_item_description_check, DROP CONSTRAINT supply_item_presentation_check`);
    await q.query(`
      ALTER TABLE supply_item
        ADD CONSTRAINT supply_item_description_check CHECK (length(description) BETWEEN 1 AND 500) NOT VALID,
        ADD CONSTRAINT supply_item_presentation_check CHECK (length(presentation) <= 500) NOT VALID`);
  }
}
