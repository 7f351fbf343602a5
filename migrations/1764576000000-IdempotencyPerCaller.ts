import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys belong to the caller (the token's subject): the same key from two users is two
 * different requests, and a refusal (IDEMPOTENCY_KEY_REUSED) never tells one user that another used a
 * key. `idempotency_key` is keyed by (subject, key), and each document points at its key together with
 * the subject that claimed it — the column that already records who wrote it.
 */
const DOCUMENTS: Array<{ table: string; keyColumn: string; subjectColumn: string; unique: boolean }> = [
  { table: 'receipt', keyColumn: 'idempotency_key', subjectColumn: 'actor', unique: true },
  { table: 'stock_movement', keyColumn: 'idempotency_key', subjectColumn: 'actor', unique: false },
  { table: 'supply_order', keyColumn: 'idempotency_key', subjectColumn: 'created_by', unique: true },
  { table: 'shipment', keyColumn: 'idempotency_key', subjectColumn: 'dispatched_by', unique: true },
  { table: 'shipment', keyColumn: 'receipt_key', subjectColumn: 'received_by', unique: true },
  { table: 'prescription', keyColumn: 'idempotency_key', subjectColumn: 'actor', unique: true },
  { table: 'procurement_contract', keyColumn: 'idempotency_key', subjectColumn: 'created_by', unique: true },
];

export class IdempotencyPerCaller1764576000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    for (const d of DOCUMENTS) {
      await q.query(`ALTER TABLE ${d.table} DROP CONSTRAINT ${d.table}_${d.keyColumn}_fkey${d.unique ? `, DROP CONSTRAINT ${d.table}_${d.keyColumn}_key` : ''}`);
    }
    await q.query(`ALTER TABLE idempotency_key DROP CONSTRAINT idempotency_key_pkey, ADD PRIMARY KEY (subject, key)`);
    for (const d of DOCUMENTS) {
      const cols = `${d.subjectColumn}, ${d.keyColumn}`;
      await q.query(
        `ALTER TABLE ${d.table} ${d.unique ? `ADD CONSTRAINT ${d.table}_${d.keyColumn}_key UNIQUE (${cols}), ` : ''}
           ADD CONSTRAINT ${d.table}_${d.keyColumn}_fkey FOREIGN KEY (${cols}) REFERENCES idempotency_key (subject, key)`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const d of DOCUMENTS) {
      await q.query(`ALTER TABLE ${d.table} DROP CONSTRAINT ${d.table}_${d.keyColumn}_fkey${d.unique ? `, DROP CONSTRAINT ${d.table}_${d.keyColumn}_key` : ''}`);
    }
    await q.query(`ALTER TABLE idempotency_key DROP CONSTRAINT idempotency_key_pkey, ADD PRIMARY KEY (key)`);
    for (const d of DOCUMENTS) {
      await q.query(
        `ALTER TABLE ${d.table} ${d.unique ? `ADD CONSTRAINT ${d.table}_${d.keyColumn}_key UNIQUE (${d.keyColumn}), ` : ''}
           ADD CONSTRAINT ${d.table}_${d.keyColumn}_fkey FOREIGN KEY (${d.keyColumn}) REFERENCES idempotency_key (key)`,
      );
    }
  }
}
