import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a dispatch "from what is available" (shipmentDispatch with fromAvailable) left behind and why:
 * per clave, the approved remainder asked for, what was sent and what stayed, with its reason code. It is
 * a fact of the moment of dispatch — later receipts and dispatches change the order's figures, not it — so
 * it is kept with the shipment, and a retry with the same idempotency key answers it as the first did.
 * NULL for a shipment whose lines were typed.
 */
export class ShipmentLeftBehind1764921600000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE shipment ADD COLUMN left_behind jsonb CHECK (left_behind IS NULL OR jsonb_typeof(left_behind) = 'array')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE shipment DROP COLUMN left_behind');
  }
}
