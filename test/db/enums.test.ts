import { EstablishmentKind, LevelOfCare, RejectionReason, SaiStatus, SupplyKind, WarehouseTier } from '../../src/domain/enums';
import { CpmNoValueReason, CpmSubmissionAction, CpmSubmissionStatus } from '../../src/modules/cpm/cpm.types';
import { OrderKind, OrderOrigin, OrderStatus, ShipmentStatus } from '../../src/modules/orders/order.types';
import { MovementKind, ReceiptSource } from '../../src/modules/stock/stock.types';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * Every enumeration is declared once, in TypeScript, and the GraphQL enums come from it; the database's
 * CHECK constraints restate the values (migrations are frozen SQL). This test holds each constraint equal
 * to its enum, so that a value added on one side and not the other fails here and not in production.
 */
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

const CHECKED: Array<[table: string, column: string, values: string[]]> = [
  ['establishment', 'kind', Object.values(EstablishmentKind)],
  ['establishment', 'level_of_care', Object.values(LevelOfCare)],
  ['warehouse', 'tier', Object.values(WarehouseTier)],
  ['sai_status_change', 'status', Object.values(SaiStatus)],
  ['supply_item', 'kind', Object.values(SupplyKind)],
  ['receipt', 'source', Object.values(ReceiptSource)],
  ['receipt_line', 'rejection_reason', Object.values(RejectionReason)],
  ['shipment_line', 'rejection_reason', Object.values(RejectionReason)],
  ['stock_movement', 'kind', Object.values(MovementKind)],
  ['cpm_submission', 'status', Object.values(CpmSubmissionStatus)],
  ['cpm_submission_event', 'action', Object.values(CpmSubmissionAction)],
  ['supply_order', 'kind', Object.values(OrderKind)],
  ['supply_order', 'status', Object.values(OrderStatus)],
  ['supply_order', 'origin', Object.values(OrderOrigin)],
  ['shipment', 'status', Object.values(ShipmentStatus)],
];

test.each(CHECKED)('%s.%s accepts exactly the values of its enum', async (table, column, values) => {
  const rows: Array<{ def: string }> = await tdb.db.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'c' AND conrelid = $1::regclass AND pg_get_constraintdef(oid) LIKE $2`,
    [table, `%(${column} = ANY (ARRAY[%`],
  );
  expect(rows).toHaveLength(1);
  const inDatabase = [...rows[0].def.matchAll(/'([A-Z_]+)'::text/g)].map((m) => m[1]);
  expect(inDatabase.sort()).toEqual([...values].sort());
});

test('cpm_calculation.reason accepts exactly the one value of its enum (PostgreSQL shows a one-value IN as =)', async () => {
  const rows: Array<{ def: string }> = await tdb.db.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'c' AND conrelid = 'cpm_calculation'::regclass AND pg_get_constraintdef(oid) LIKE '%(reason = %'`,
  );
  expect(rows.map((r) => [...r.def.matchAll(/'([A-Z_]+)'::text/g)].map((m) => m[1]))).toEqual([Object.values(CpmNoValueReason)]);
});
