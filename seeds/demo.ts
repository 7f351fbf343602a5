import path from 'node:path';
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import { DataSource, EntityManager } from 'typeorm';
import { Config, parseConfig } from '../src/config';
import { Role } from '../src/domain/enums';
import { signToken } from '../src/base/auth';
import { importCatalog } from '../src/modules/catalog/catalog-import';
import { importClues } from '../src/modules/registry/clues-import';
import { loadDemoOrders } from './demo-orders';
import { loadDemoStock } from './demo-stock';
import { DEMO_KIT_CENTRE, loadDemoDistribution } from './demo-distribution';
import { businessDay } from '../src/domain/dates';
import { storeCpmBatch } from '../src/modules/cpm/cpm.queries';

/**
 * The demo network: establishments of seven federalized states in DGIS format, a catalogue in
 * Compendio format (both loaded through the product's own importers), warehouses with supply
 * routes, and an SAI rollout history. See seeds/demo/README.md for what is in it.
 */
export const DEMO_DIR = path.join(__dirname, 'demo');

/**
 * Demo users: one per role, with the scope the README's examples use, chosen to work together: the
 * pharmacy orders from its own supplying warehouse (the Guerrero state warehouse, which dispatches to
 * it), the Guerrero coordinator approves its orders, and the central warehouse supplies the state
 * warehouses. `note` says so when `npm start` prints the tokens.
 */
export const DEMO_USERS: Array<{ label: string; role: Role; clues?: string; state?: string; note?: string }> = [
  { label: 'ADMIN', role: Role.ADMIN },
  { label: 'CENTRAL (Coordinación de Abasto)', role: Role.CENTRAL, note: 'todo el país: plan de compras, indicadores, redistribución' },
  { label: 'STATE_COORDINATOR Guerrero (12)', role: Role.STATE_COORDINATOR, state: '12', note: 'aprueba los pedidos de las unidades de Guerrero' },
  {
    label: 'WAREHOUSE Almacén Estatal de Guerrero GRSSA019419',
    role: Role.WAREHOUSE,
    clues: 'GRSSA019419',
    note: 'surte al Hospital General Chilpancingo y a las unidades de Guerrero',
  },
  {
    label: 'PHARMACY Hospital General Chilpancingo GRSSA015854',
    role: Role.PHARMACY,
    clues: 'GRSSA015854',
    note: 'pide al Almacén Estatal de Guerrero (GRSSA019419), dispensa y recibe',
  },
  {
    label: `PHARMACY Centro de Salud Urbano Chilpancingo ${DEMO_KIT_CENTRE}`,
    role: Role.PHARMACY,
    clues: DEMO_KIT_CENTRE,
    note: 'su kit de Rutas de la Salud de este mes va en camino: lo recibe por excepción en Por recibir',
  },
  { label: 'WAREHOUSE Almacén central DFSSA004936', role: Role.WAREHOUSE, clues: 'DFSSA004936', note: 'surte a los almacenes estatales' },
  { label: 'AUDITOR', role: Role.AUDITOR, note: 'solo lectura, todo el país' },
];

/**
 * A token per demo user whose establishment is in this database (a user of a CLUES that is not — the
 * registry is someone's real one — gets none, since its token would open nothing).
 */
export async function demoTokens(auth: Config['auth'], db: DataSource): Promise<Array<{ label: string; token: string }>> {
  const wanted = DEMO_USERS.flatMap((u) => (u.clues ? [u.clues] : []));
  const present = new Set((await db.query('SELECT clues FROM establishment WHERE clues = ANY ($1::text[])', [wanted])).map((r: { clues: string }) => r.clues.trim()));
  return Promise.all(
    DEMO_USERS.filter((u) => !u.clues || present.has(u.clues)).map(async (u) => ({
      label: u.note ? `${u.label} — ${u.note}` : u.label,
      token: await signToken(auth.secret!, { sub: `demo-${u.role.toLowerCase()}${u.clues ? `-${u.clues.toLowerCase()}` : u.state ? `-${u.state}` : ''}`, role: u.role, clues: u.clues, state: u.state }, {
        maxLifetimeSeconds: auth.maxLifetimeSeconds,
        issuer: auth.issuer,
        audience: auth.audience,
      }),
    })),
  );
}

/**
 * Loads the demo network when the registry is empty, all in one transaction, then its order history
 * through the use cases; returns whether it did.
 */
export async function loadDemoDataIfEmpty(
  db: DataSource,
  log: (line: string) => void = () => undefined,
  config: Config = parseConfig({}),
): Promise<boolean> {
  const loaded = await db.transaction(async (em) => {
    // One loader at a time: a second process starting at once waits, then finds the data there.
    await em.query('SELECT pg_advisory_xact_lock(7246502)');
    const [{ empty }] = await em.query('SELECT NOT EXISTS (SELECT 1 FROM establishment) AS empty');
    if (!empty) return false;
    const clues = await importClues(db, path.join(DEMO_DIR, 'establishments.csv'), { transaction: em });
    log(`demo establishments: ${clues.created} created, ${clues.rejected} rejected`);
    const catalog = await importCatalog(db, path.join(DEMO_DIR, 'catalog.csv'), { transaction: em, fromYear: 2024 });
    log(`demo catalogue: ${catalog.created} claves`);
    if (clues.rejected || catalog.rejected) throw new Error('the demo data files have rejected rows; fix seeds/demo');
    const routes = await loadWarehouses(em);
    log(`demo warehouses: ${routes.warehouses}, supply routes: ${routes.routes}`);
    await loadSaiRollout(em);
    const stock = await loadDemoStock(em);
    log(`demo stock: ${stock.movements} ledger entries at ${stock.locations} locations`);
    const ids = (await em.query('SELECT id FROM establishment ORDER BY id')).map((r: { id: number }) => r.id);
    const calculations = await storeCpmBatch(em, ids, `${businessDay().slice(0, 7)}-01`, 6);
    log(`demo CPM for this month: ${calculations} calculations`);
    const ratified = await loadDemoSubmissions(em, Number(businessDay().slice(0, 4)), `${businessDay().slice(0, 7)}-01`);
    log(`demo CPM submissions ratified this year: ${ratified}`);
    return true;
  });
  if (loaded) {
    // Orders go through the use cases, each in its own transaction, once the network is committed.
    const o = await loadDemoOrders(db, config);
    log(`demo orders: ${o.orders} replenishments (${o.shipments} shipments), ${o.purchases} purchases, ${o.contracts} open contracts, ${o.prescriptions} prescriptions`);
    const d = await loadDemoDistribution(db, config);
    if (d) log(`demo Rutas de la Salud: a kit of ${d.claves} claves, ${d.units} centres on 2 routes, ${d.kits} kits this month, ${d.received} received`);
  }
  return loaded;
}

interface WarehouseRow {
  clues: string;
  tier: 'CENTRAL' | 'STATE' | 'REGIONAL';
  serves: string;
}

/**
 * Warehouses and routes: the central warehouse supplies every state warehouse; a state warehouse
 * supplies its state; a regional warehouse supplies its jurisdiction (overriding the state one).
 */
async function loadWarehouses(em: EntityManager): Promise<{ warehouses: number; routes: number }> {
  const rows: WarehouseRow[] = parse(fs.readFileSync(path.join(DEMO_DIR, 'warehouses.csv')), { columns: true, skip_empty_lines: true });
  const tierOrder = { CENTRAL: 0, STATE: 1, REGIONAL: 2 };
  rows.sort((a, b) => tierOrder[a.tier] - tierOrder[b.tier]);
  let routes = 0;
  let central: number | undefined;
  for (const w of rows) {
    const [{ id }] = await em.query(
      `INSERT INTO warehouse (establishment_id, tier) SELECT id, $2 FROM establishment WHERE clues = $1 RETURNING id`,
      [w.clues, w.tier],
    );
    if (w.tier === 'CENTRAL') {
      central = id;
      continue;
    }
    const jurisdiction = w.serves.startsWith('jurisdiction:') ? w.serves.slice('jurisdiction:'.length) : null;
    const [, count] = await em.query(
      `UPDATE establishment e SET supplying_warehouse_id = $1
        WHERE e.clues <> $2
          AND e.state_code = (SELECT state_code FROM establishment WHERE clues = $2)
          AND ($3::text IS NULL OR e.jurisdiction = $3)
          AND ($3::text IS NOT NULL OR $4::text = e.state_code)
          AND NOT EXISTS (SELECT 1 FROM warehouse x WHERE x.establishment_id = e.id AND x.tier <> 'REGIONAL')`,
      [id, w.clues, jurisdiction, jurisdiction ? null : w.serves],
    );
    routes += count;
    if (w.tier === 'STATE' && central !== undefined) {
      await em.query('UPDATE establishment SET supplying_warehouse_id = $1 WHERE clues = $2', [central, w.clues]);
      routes += 1;
    }
  }
  return { warehouses: rows.length, routes };
}

/**
 * SAI rollout: hospitals first (2024-03-01), then a share of first-level units chosen by the last
 * digit of their CLUES, so the figures are the same on every machine.
 */
async function loadSaiRollout(em: EntityManager): Promise<void> {
  await em.query(`
    INSERT INTO sai_status_change (establishment_id, status, effective_on, actor)
    SELECT id, s.status, s.effective_on::date, 'demo'
      FROM establishment e
      CROSS JOIN LATERAL (VALUES
        (CASE WHEN e.level_of_care IN ('SECOND', 'THIRD') THEN 'IN_OPERATION'
              WHEN right(e.clues, 1) IN ('0', '1', '2', '3') THEN 'IN_OPERATION'
              WHEN right(e.clues, 1) IN ('4', '5') THEN 'IMPLEMENTING' END,
         CASE WHEN e.level_of_care IN ('SECOND', 'THIRD') THEN '2024-03-01'
              WHEN right(e.clues, 1) IN ('0', '1') THEN '2024-09-01'
              ELSE '2025-02-01' END)
      ) AS s(status, effective_on)
     WHERE e.kind <> 'SUPPORT' AND e.in_network AND s.status IS NOT NULL`);
}

/**
 * This year's CPM submissions, proposed from the calculation and ratified, at most of the units
 * that hold stock (not those whose CLUES ends in 3 or 7), so indicator 51 has something to show.
 */
async function loadDemoSubmissions(em: EntityManager, year: number, month: string): Promise<number> {
  const subs: Array<{ id: number }> = await em.query(
    `INSERT INTO cpm_submission (establishment_id, year, status, calculated_from, proposed_by, ratified_at, ratified_by)
     SELECT DISTINCT c.establishment_id, $1::int, 'RATIFIED', $2::date, 'demo', now(), 'demo'
       FROM cpm_calculation c JOIN establishment e ON e.id = c.establishment_id
      WHERE c.month = $2 AND c.value IS NOT NULL AND e.kind <> 'SUPPORT' AND right(e.clues, 1) NOT IN ('3', '7')
     RETURNING id`,
    [year, month],
  );
  await em.query(
    `INSERT INTO cpm_submission_line (submission_id, supply_item_id, cpm, calculated)
     SELECT s.id, c.supply_item_id, c.value, c.value FROM cpm_submission s
       JOIN cpm_calculation c ON c.establishment_id = s.establishment_id AND c.month = $2 AND c.value IS NOT NULL
      WHERE s.id = ANY ($1::int[])`,
    [subs.map((s) => s.id), month],
  );
  await em.query(
    `INSERT INTO cpm_submission_event (submission_id, action, actor, reason)
     SELECT id, a, 'demo', NULL FROM unnest($1::int[]) AS id CROSS JOIN (VALUES ('PROPOSED'), ('RATIFIED')) AS v(a)`,
    [subs.map((s) => s.id)],
  );
  return subs.length;
}
