import { EntityManager } from 'typeorm';
import { fefoOrder } from '../src/domain/stock';
import { MovementDraft, writeMovements } from '../src/modules/stock/ledger';
import { MovementKind } from '../src/modules/stock/stock.types';

/**
 * Demo stock: two deliveries and six months of ward consumption at the warehouses, the hospitals
 * and one first-level unit in five, for the claves their level may use. Figures come from a
 * seeded generator, so every machine gets the same ledger; history is replayed in date order and
 * consumption never takes more than the usable pieces of the day, so the ledger is one a real
 * pharmacy could have written — including stock-outs, lots about to expire and lots already expired.
 */
export async function loadDemoStock(em: EntityManager, today: Date = new Date()): Promise<{ locations: number; movements: number }> {
  const locations: Array<{ id: number; clues: string; level: string | null; warehouse: boolean }> = await em.query(`
    SELECT e.id, e.clues, e.level_of_care AS level, w.id IS NOT NULL AS warehouse
      FROM establishment e LEFT JOIN warehouse w ON w.establishment_id = e.id
     WHERE e.operating AND (w.id IS NOT NULL OR e.level_of_care IN ('SECOND', 'THIRD')
           OR (e.level_of_care = 'FIRST' AND right(e.clues, 1) IN ('0', '5')))
     ORDER BY e.clues`);
  const items: Array<{ id: number; clave: string; levels: string[] }> = await em.query(
    `SELECT id, clave, authorized_levels AS levels FROM supply_item ORDER BY clave`,
  );
  let movements = 0;
  for (const loc of locations) {
    const rand = mulberry32(hash(loc.clues));
    const eligible = items.filter((i) => loc.warehouse || (loc.level !== null && i.levels.includes(loc.level)));
    const chosen = eligible.filter(() => rand() < (loc.warehouse ? 0.6 : loc.level === 'FIRST' ? 0.25 : 0.45));
    const plans = chosen.map((item) => {
      const monthly = Math.round(5 + rand() * (loc.warehouse ? 400 : 120));
      const lots = [
        { lotNumber: `${loc.clues}-${item.clave.slice(8, 12)}A`, expiresOn: lastDayOfMonth(today, Math.round(rand() * 8) - 1), arrives: monthDay(today, -6, 2), quantity: monthly * (3 + Math.round(rand() * 4)) },
        { lotNumber: `${loc.clues}-${item.clave.slice(8, 12)}B`, expiresOn: lastDayOfMonth(today, 6 + Math.round(rand() * 24)), arrives: monthDay(today, -3, 2), quantity: monthly * (2 + Math.round(rand() * 3)) },
      ];
      const uses = [-6, -5, -4, -3, -2, -1].map((m) => ({ at: monthDay(today, m, 15), quantity: Math.round(monthly * (0.7 + rand() * 0.6)) }));
      return { item, lots, uses };
    });
    const allLots = plans.flatMap((p) => p.lots.map((l) => ({ itemId: p.item.id, ...l })));
    const rows: Array<{ id: number; supply_item_id: number; lot_number: string }> = await em.query(
      `INSERT INTO lot (supply_item_id, lot_number, expires_on) SELECT * FROM unnest($1::int[], $2::text[], $3::date[])
       ON CONFLICT (supply_item_id, lot_number) DO UPDATE SET lot_number = EXCLUDED.lot_number RETURNING id, supply_item_id, lot_number`,
      [allLots.map((l) => l.itemId), allLots.map((l) => l.lotNumber), allLots.map((l) => l.expiresOn)],
    );
    const lotIds = new Map(rows.map((r) => [`${r.supply_item_id}|${r.lot_number}`, r.id]));
    const drafts: MovementDraft[] = [];
    for (const { item, lots, uses } of plans) {
      const lotId = (lotNumber: string) => lotIds.get(`${item.id}|${lotNumber}`)!;
      const held = new Map<string, number>();
      // Replay deliveries and monthly consumption in date order.
      const events = [...lots.map((l) => ({ at: l.arrives, lot: l, consume: 0 })), ...uses.map((u) => ({ at: u.at, lot: null, consume: u.quantity }))].sort(
        (a, b) => a.at.getTime() - b.at.getTime(),
      );
      for (const e of events) {
        if (e.lot) {
          held.set(e.lot.lotNumber, e.lot.quantity);
          drafts.push(draft(loc.id, item.id, lotId(e.lot.lotNumber), e.lot.quantity, MovementKind.RECEIPT, e.at, 'PURCHASE', `REM-DEMO-${e.at.toISOString().slice(0, 7)}`));
          continue;
        }
        const day = e.at.toISOString().slice(0, 10);
        let left = e.consume;
        const usable = lots
          .filter((l) => (held.get(l.lotNumber) ?? 0) > 0 && l.expiresOn >= day)
          .map((l) => ({ lotId: lotId(l.lotNumber), lotNumber: l.lotNumber, expiresOn: l.expiresOn, quantity: held.get(l.lotNumber)! }))
          .sort(fefoOrder);
        for (const lot of usable) {
          const take = Math.min(left, lot.quantity);
          if (take === 0) break;
          held.set(lot.lotNumber, lot.quantity - take);
          drafts.push(draft(loc.id, item.id, lot.lotId, -take, loc.warehouse ? MovementKind.DISPATCH : MovementKind.CONSUMPTION, e.at));
          left -= take;
        }
      }
    }
    const key = `demo-stock-${loc.clues}`;
    await em.query(`INSERT INTO idempotency_key (key, operation, subject, request_hash) VALUES ($1, 'demo', 'demo', '-')`, [key]);
    await writeMovements(em, { actor: 'demo', idempotencyKey: key }, drafts);
    movements += drafts.length;
  }
  return { locations: locations.length, movements };
}

function draft(est: number, item: number, lot: number, quantity: number, kind: MovementKind, at: Date, reason?: string, document?: string): MovementDraft {
  return { field: [], establishmentId: est, supplyItemId: item, lotId: lot, quantity, kind, occurredAt: at, reason, document };
}

/** The last day of the month `months` away, YYYY-MM-DD (lots expire at a month's end). */
function lastDayOfMonth(d: Date, months: number): string {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months + 1, 0)).toISOString().slice(0, 10);
}

/** Day `day` of the month `months` away, at 11:00 in Mexico City. */
function monthDay(d: Date, months: number, day: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, day, 17, 0, 0));
}

export function hash(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** A small seeded generator: the same numbers on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
