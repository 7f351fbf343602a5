import { DataSource } from 'typeorm';
import { businessDay } from '../../src/domain/dates';
import { TestApi } from './api';

/** What the tests of a clerk's daily work share: sending a mutation and reading its payload, balances, days. */

export const mutation = (name: string, type: string, body: string) =>
  `mutation($i: ${type}!) { ${name}(input: $i) { ${body} userErrors { code field message } } }`;

/** The payload of the one root field of `query`, or `{ errors: [codes] }` for top-level errors. */
export async function send(api: TestApi, query: string, i: Record<string, unknown>, token: string): Promise<any> {
  const r = await api.gql(query, { i }, token);
  if (r.errors) return { errors: r.errors.map((e: any) => e.extensions?.code) };
  return Object.values(r.data)[0];
}

/** The same, expecting no user error. */
export async function ok(api: TestApi, query: string, i: Record<string, unknown>, token: string): Promise<any> {
  const p = await send(api, query, i, token);
  expect(p.userErrors).toEqual([]);
  return p;
}

/** Top-level codes, or each user error as [code, field path without "input"]. */
export const codes = (p: any) => p.errors ?? p.userErrors.map((e: any) => [e.code, e.field.slice(1).join('.')]);

/** Every balance as "CLUES lot" → pieces. */
export async function balances(db: DataSource): Promise<Record<string, number>> {
  const rows = await db.query(`
    SELECT e.clues || ' ' || l.lot_number AS k, b.quantity FROM stock_balance b JOIN lot l ON l.id = b.lot_id
      JOIN establishment e ON e.id = b.establishment_id ORDER BY 1`);
  return Object.fromEntries(rows.map((r: any) => [r.k, r.quantity]));
}

/** Rows written so far: what a refused request must leave unchanged. */
export async function written(db: DataSource): Promise<Record<string, number>> {
  const [row] = await db.query(`
    SELECT (SELECT count(*)::int FROM stock_movement) AS movements, (SELECT count(*)::int FROM receipt) AS receipts,
           (SELECT count(*)::int FROM lot) AS lots, (SELECT count(*)::int FROM shipment) AS shipments,
           (SELECT count(*)::int FROM idempotency_key) AS keys, (SELECT coalesce(sum(quantity), 0)::int FROM stock_balance) AS pieces`);
  return row;
}

/** The Mexico City day `n` days from today (negative: before), YYYY-MM-DD. */
export function dayFromToday(n: number): string {
  const d = new Date(`${businessDay()}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Noon of a Mexico City day, as an instant. */
export const noonOf = (day: string) => `${day}T12:00:00-06:00`;
