import { DataSource } from 'typeorm';
import type { Config } from '../src/config';
import { Viewer } from '../src/base/auth';
import { createContext } from '../src/graphql/context';
import { businessDay } from '../src/domain/dates';
import { LevelOfCare, Role } from '../src/domain/enums';
import { createKitTemplate, kitTemplates, setKitSizeRule } from '../src/modules/distribution/kits';
import { upsertRoute } from '../src/modules/distribution/routes';
import { createRound, roundTotals } from '../src/modules/distribution/rounds';
import { dispatchRoute } from '../src/modules/distribution/route-dispatch';
import { DistributionMode, DistributionRoundCreateInput, KitTemplateCreateInput, RouteUpsertInput } from '../src/modules/distribution/distribution.types';
import { receiveShipment } from '../src/modules/orders/shipment-receipt';
import { ShipmentReceiveInput } from '../src/modules/orders/shipment.inputs';

const WAREHOUSE = 'GRSSA019419';
/** Route GRO-CENTRO, dispatched: the first three received (one rejecting a damaged lot), the last two still waiting. */
const CENTRO = ['GRSSA003698', 'GRSSA004290', 'GRSSA004299', 'GRSSA003288', 'GRSSA005604'];
/** Route GRO-NORTE, not dispatched yet. */
const NORTE = ['GRSSA002148', 'GRSSA002700', 'GRSSA002712', 'GRSSA003034'];
/** The centre on GRO-CENTRO whose kit is on the road (a demo user: it receives it by exception). */
export const DEMO_KIT_CENTRE = 'GRSSA003288';

export interface DemoDistributionSummary {
  claves: number;
  units: number;
  kits: number;
  received: number;
}

/**
 * Rutas de la Salud in the demo (issue 20): a first-level kit of ten claves the Guerrero state warehouse
 * holds — one of them sized so the warehouse falls short and shares it out —, CESSA centres at four kits
 * a month (the rest by their núcleos básicos), two routes, and this month's round in progress: GRO-CENTRO
 * dispatched, three centres received (one rejected a damaged lot), two still waiting; GRO-NORTE still at
 * the warehouse. Through the same use cases as the API; idempotent keys make a rerun harmless.
 */
export async function loadDemoDistribution(db: DataSource, config: Config): Promise<DemoDistributionSummary | null> {
  const as = (role: Role, clues: string | null = null) => createContext(db, config, new Viewer(`demo-${role.toLowerCase()}${clues ? `-${clues}` : ''}`, role, clues, null));
  const central = as(Role.CENTRAL);
  const month = businessDay().slice(0, 7);
  const [wh] = await db.query('SELECT e.id FROM establishment e JOIN warehouse w ON w.establishment_id = e.id WHERE e.clues = $1', [WAREHOUSE]);
  if (!wh) return null;
  // first-level claves the warehouse holds, with what is free of promises
  const held: Array<{ clave: string; free: number }> = await db.query(
    `SELECT s.clave, (sum(b.quantity) - coalesce((SELECT sum(p.pieces) FROM stock_pending p WHERE p.supplying_id = $1 AND p.supply_item_id = s.id), 0))::int AS free
       FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN supply_item s ON s.id = b.supply_item_id
      WHERE b.establishment_id = $1 AND 'FIRST' = ANY (s.authorized_levels) AND (l.expires_on IS NULL OR l.expires_on >= $2::date + 60)
      GROUP BY s.id, s.clave HAVING sum(b.quantity) >= 200 ORDER BY s.clave LIMIT 10`,
    [wh.id, businessDay()],
  );
  const claves = held.filter((h) => h.free >= 100);
  if (claves.length < 3) return null;
  const kits = 3 + 1 + 2 + 1 + 4 + 3 + 3 + 1 + 1; // by núcleos básicos (UR 3, RU 1, RD 2) and the CESSA rule (4)
  const lines = claves.map((h, i) => ({
    clave: h.clave,
    // the first clave is short: the round needs more than the warehouse has free, and shares it out
    pieces: i === 0 ? Math.ceil((h.free * 1.4) / kits) : Math.max(5, Math.min(60, Math.floor(h.free / (4 * kits)))),
  }));
  if (!(await kitTemplates(db, 'KIT-PN')).length) {
    await createKitTemplate(central, { code: 'KIT-PN', name: 'Kit de primer nivel (Rutas de la Salud)', levelOfCare: LevelOfCare.FIRST, validFrom: `${month}-01`, lines } as KitTemplateCreateInput);
  }
  await setKitSizeRule(central, { typologyCode: 'CES', kits: 4 });
  const route = (code: string, name: string, carrier: string, week: number, stops: string[]) =>
    upsertRoute(central, { code, name, warehouseClues: WAREHOUSE, carrier, deliveryWeek: week, kitTemplateCode: 'KIT-PN', stops } as RouteUpsertInput);
  await route('GRO-CENTRO', 'Centro: Chilpancingo, Tixtla, Chilapa, Zumpango, Tlapa', 'Birmex', 3, CENTRO);
  await route('GRO-NORTE', 'Norte: Iguala, Taxco, Teloloapan, Huitzuco', 'Correos de México', 4, NORTE);
  const round = await createRound(central, { idempotencyKey: `demo-ronda-${month}`, month, kitTemplate: 'KIT-PN', mode: DistributionMode.FULL_KIT } as DistributionRoundCreateInput);
  const warehouse = as(Role.WAREHOUSE, WAREHOUSE);
  const { shipments } = await dispatchRoute(warehouse, { idempotencyKey: `demo-ruta-${month}-GRO-CENTRO`, round: round.number, route: 'GRO-CENTRO' });
  let received = 0;
  for (const sh of shipments) {
    const stop = CENTRO.indexOf(sh.toClues);
    if (stop < 0 || stop > 2) continue; // the last two are still waiting
    const damaged = stop === 1 ? sh.lines[0] : null;
    await receiveShipment(as(Role.PHARMACY, sh.toClues), {
      idempotencyKey: `demo-recibo-${sh.number}`,
      shipmentNumber: sh.number,
      acceptAllAsShipped: true,
      lines: damaged ? [{ clave: damaged.clave, lotNumber: damaged.lotNumber, acceptedQuantity: Math.floor(damaged.quantity / 2), rejectionReason: 'DAMAGED' }] : [],
    } as unknown as ShipmentReceiveInput);
    received += 1;
  }
  const totals = (await roundTotals(db, [round.id], central.viewer!)).get(round.id)!;
  return { claves: lines.length, units: totals.units, kits: totals.kits, received };
}
