import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GTINs (the product codes of GS1 barcodes) linked to claves: a supplier's box carries a GTIN, the
 * catalogue knows claves. One GTIN belongs to one clave; a clave may have several (suppliers,
 * presentations). Stored in the 14-digit form, so an EAN-13 and its GTIN-14 are one row. Linked once,
 * by a warehouse user at a receipt or by central, and remembered.
 */
export class SupplyItemGtin1765040400000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE supply_item_gtin (
        gtin char(14) COLLATE "C" PRIMARY KEY CHECK (gtin ~ '^[0-9]{14}$'),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        linked_by text NOT NULL CHECK (length(linked_by) BETWEEN 1 AND 200),
        linked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX supply_item_gtin_item_idx ON supply_item_gtin (supply_item_id, gtin)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE supply_item_gtin');
  }
}
