import { DataSource } from 'typeorm';
import type { Config } from '../src/config';
import { Role } from '../src/domain/enums';
import { Viewer } from '../src/base/auth';
import { createContext } from '../src/graphql/context';
import { UserInputError } from '../src/base/errors';
import * as orders from '../src/modules/orders/order.service';
import * as shipments from '../src/modules/orders/shipment.service';
import { receiveShipment } from '../src/modules/orders/shipment-receipt';
import { OrderApproveInput, OrderCreateInput, OrderEndInput } from '../src/modules/orders/order.types';
import { ShipmentDispatchInput, ShipmentReceiveInput } from '../src/modules/orders/shipment.inputs';
import * as prescriptions from '../src/modules/prescriptions/prescription.service';
import { PrescriptionDispenseInput } from '../src/modules/prescriptions/prescription.types';
import * as stock from '../src/modules/stock/stock.service';
import { StockReceiveInput } from '../src/modules/stock/stock.inputs';
import { createContract } from '../src/modules/procurement/contract.service';
import { ProcurementContractCreateInput } from '../src/modules/procurement/procurement.types';
import { hash, mulberry32 } from './demo-stock';
import { backdateApproval } from './history';

const DAY = 86_400_000;
const REASONS = ['DAMAGED', 'SHORT_SHIPPED', 'WRONG_ITEM', 'LOST_IN_TRANSIT'];

export interface DemoOrdersSummary {
  orders: number;
  shipments: number;
  purchases: number;
  contracts: number;
  prescriptions: number;
  skipped: number;
}

/**
 * Ten weeks of orders, shipments and receipts, so the fill rates and indicator 53 have something to
 * say: at each state and regional warehouse, five of the units it supplies (the demo pharmacy among
 * them) order twice; their state coordinator approves, sometimes cutting; the warehouse dispatches
 * in one or two shipments (FEFO); the unit receives, now and then rejecting damaged or missing
 * pieces, and a few shipments are still on the road. The central warehouse buys from suppliers,
 * one clave of each under an open contract.
 * Everything goes through the same use cases as the API, with back-dated times; only approvals are
 * moved back by `backdateApproval`. Runs after the demo network is committed; idempotency keys make
 * a rerun (after an interrupted start) pick up where it stopped.
 */
export async function loadDemoOrders(db: DataSource, config: Config, today: Date = new Date()): Promise<DemoOrdersSummary> {
  const summary: DemoOrdersSummary = { orders: 0, shipments: 0, purchases: 0, contracts: 0, prescriptions: 0, skipped: 0 };
  const as = (role: Role, clues: string | null, state: string | null = null) =>
    createContext(db, config, new Viewer(`demo-${role.toLowerCase()}${clues ? `-${clues}` : state ? `-${state}` : ''}`, role, clues, state));
  const attempt = async <T>(work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      summary.skipped += 1;
      return null;
    }
  };
  const now = today.getTime() - 5 * 60_000;

  const warehouses: Array<{ id: number; clues: string; state: string }> = await db.query(`
    SELECT e.id, e.clues, e.state_code AS state FROM warehouse w JOIN establishment e ON e.id = w.establishment_id
     WHERE w.tier IN ('STATE', 'REGIONAL') ORDER BY e.clues`);
  for (const wh of warehouses) {
    const rand = mulberry32(hash(`orders-${wh.clues}`));
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    // Usable pieces per clave at the warehouse today; orders share out a third of them.
    const held: Array<{ clave: string; levels: string[]; usable: number }> = await db.query(
      `SELECT si.clave, si.authorized_levels AS levels, sum(b.quantity)::int AS usable
         FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN supply_item si ON si.id = b.supply_item_id
        WHERE b.establishment_id = $1 AND l.expires_on >= $2::date + 30 AND b.quantity > 0
        GROUP BY si.clave, si.authorized_levels HAVING sum(b.quantity) >= 60 ORDER BY si.clave`,
      [wh.id, today.toISOString().slice(0, 10)],
    );
    const budget = new Map(held.map((h) => [h.clave, Math.floor(h.usable / 3)]));
    const units: Array<{ clues: string; level: string }> = await db.query(
      `SELECT e.clues, e.care_level AS level FROM establishment e
        WHERE e.supplying_warehouse_id = (SELECT id FROM warehouse WHERE establishment_id = $1)
          AND e.operating AND e.kind <> 'SUPPORT' AND e.care_level IS NOT NULL
        ORDER BY (e.clues = 'GRSSA015854') DESC, e.care_level DESC, md5(e.clues) LIMIT 5`,
      [wh.id],
    );
    for (const unit of units) {
      const pharmacy = as(Role.PHARMACY, unit.clues);
      const coordinator = as(Role.STATE_COORDINATOR, null, wh.state);
      const warehouse = as(Role.WAREHOUSE, wh.clues);
      for (let n = 0; n < 2; n++) {
        const key = `demo-${unit.clues}-${n}`;
        const eligible = held.filter((h) => h.levels.includes(unit.level) && budget.get(h.clave)! >= 20);
        const lines = eligible
          .filter(() => rand() < 6 / Math.max(6, eligible.length))
          .slice(0, 8)
          .map((h) => ({ clave: h.clave, quantity: Math.min(budget.get(h.clave)!, 20 + Math.floor(rand() * 180)) }));
        if (!lines.length) continue;
        const approvedAt = new Date(now - (n === 0 ? 45 + rand() * 25 : 3 + rand() * 35) * DAY);
        const promisedOn = new Date(approvedAt.getTime() + (7 + Math.floor(rand() * 8)) * DAY).toISOString().slice(0, 10);
        const order = await attempt(() =>
          orders.create(pharmacy, { idempotencyKey: key, kind: 'REPLENISHMENT', requestingClues: unit.clues, promisedOn, lines } as unknown as OrderCreateInput),
        );
        if (!order) continue;
        summary.orders += 1;
        if (order.status !== 'DRAFT') continue; // a rerun: this order is done
        await orders.submit(pharmacy, { number: order.number });
        const cuts = lines.filter(() => rand() < 0.2).map((l) => ({ clave: l.clave, approvedQuantity: Math.floor(l.quantity * (0.5 + rand() * 0.4)) }));
        await orders.approve(coordinator, { number: order.number, lines: cuts } as OrderApproveInput);
        await backdateApproval(db, order.number, approvedAt);
        if (rand() < 0.06) {
          await orders.cancel(coordinator, { number: order.number, reason: 'la unidad recibió donativo' } as OrderEndInput);
          continue;
        }
        const approved = new Map(lines.map((l) => [l.clave, cuts.find((c) => c.clave === l.clave)?.approvedQuantity ?? l.quantity]));
        let sentAt = approvedAt.getTime();
        const plan = rand() < 0.1 ? [] : rand() < 0.45 ? [1] : [0.6 + rand() * 0.3, 1];
        let sentShare = 0;
        for (const [i, share] of plan.entries()) {
          sentAt += (1 + rand() * 5) * DAY;
          if (sentAt > now) break;
          const send = [...approved.entries()]
            .map(([clave, q]) => ({ clave, quantity: Math.min(budget.get(clave)!, Math.round(q * share) - Math.round(q * sentShare)) }))
            .filter((l) => l.quantity > 0 && rand() < 0.95);
          sentShare = share;
          if (!send.length) continue;
          const shipment = (
            await attempt(() =>
              shipments.dispatch(warehouse, { idempotencyKey: `${key}-d${i}`, orderNumber: order.number, dispatchedAt: new Date(sentAt), lines: send } as unknown as ShipmentDispatchInput),
            )
          )?.shipment;
          if (!shipment) continue;
          summary.shipments += 1;
          for (const l of send) budget.set(l.clave, budget.get(l.clave)! - l.quantity);
          const receivedAt = sentAt + (0.5 + rand() * 4) * DAY;
          if (receivedAt > now) continue; // still on the road
          const receivedDay = new Date(receivedAt - 6 * 3600_000).toISOString().slice(0, 10);
          await receiveShipment(pharmacy, {
            idempotencyKey: `${key}-r${i}`,
            shipmentNumber: shipment.number,
            receivedAt: new Date(receivedAt),
            lines: shipment.lines.map((l) => {
              if (l.expiresOn && l.expiresOn < receivedDay) {
                return { clave: l.clave, lotNumber: l.lotNumber, acceptedQuantity: 0, rejectedQuantity: l.quantity, rejectionReason: 'EXPIRED' };
              }
              const rejected = rand() < 0.12 ? Math.max(1, Math.floor(l.quantity * rand() * 0.15)) : 0;
              return { clave: l.clave, lotNumber: l.lotNumber, acceptedQuantity: l.quantity - rejected, rejectedQuantity: rejected, rejectionReason: rejected ? pick(REASONS) : null };
            }),
          } as unknown as ShipmentReceiveInput);
        }
        const state = await orders.orderFor(coordinator, order.number);
        if (state?.status === 'PARTIALLY_FULFILLED' && state.lines.every((l) => l.inTransit === 0) && rand() < 0.5) {
          await orders.close(coordinator, { number: order.number, reason: 'sin existencias para completar' } as OrderEndInput);
        }
      }
    }
  }

  // The central warehouse buys from suppliers under purchase orders; deliveries come in parts.
  const central = as(Role.CENTRAL, null);
  const centralWarehouse = as(Role.WAREHOUSE, 'DFSSA004936');
  const buy: Array<{ clave: string }> = await db.query(`SELECT clave FROM supply_item WHERE NOT high_cost ORDER BY md5(clave) LIMIT 12`);
  const suppliers = ['Distribuidora del Sur, S.A. de C.V.', 'Laboratorios del Bajío, S.A.', 'Insumos Médicos del Golfo, S.A. de C.V.'];
  const day = (ms: number) => new Date(ms - 6 * 3600_000).toISOString().slice(0, 10);
  for (const [p, supplier] of suppliers.entries()) {
    const rand = mulberry32(hash(`purchase-${p}`));
    const lines = buy.slice(p * 4, p * 4 + 4).map((b) => ({ clave: b.clave, quantity: 1000 * (1 + Math.floor(rand() * 5)) }));
    const approvedAt = new Date(now - (60 - p * 15) * DAY);
    // The first clave of each supplier is bought under an open contract (minimum 40 % of the maximum).
    const maxPieces = lines[0].quantity * 4;
    const contract = await attempt(() =>
      createContract(central, {
        idempotencyKey: `demo-contract-${p}`,
        supplier,
        clave: lines[0].clave,
        stateCode: null,
        minPieces: Math.ceil(maxPieces * 0.4),
        maxPieces,
        unitPrice: Math.round((5 + rand() * 400) * 100) / 100,
        validFrom: day(now - 120 * DAY),
        validTo: day(now + 245 * DAY),
      } as unknown as ProcurementContractCreateInput),
    );
    if (contract) {
      summary.contracts += 1;
      await attempt(() =>
        orders.create(central, {
          idempotencyKey: `demo-contract-order-${p}`,
          kind: 'PURCHASE',
          requestingClues: 'DFSSA004936',
          contract: contract.id,
          promisedOn: day(now + 20 * DAY),
          lines: [{ clave: lines[0].clave, quantity: lines[0].quantity }],
        } as unknown as OrderCreateInput).then(async (o) => {
          if (o.status !== 'DRAFT') return;
          await orders.submit(central, { number: o.number });
          await orders.approve(central, { number: o.number } as OrderApproveInput);
        }),
      );
    }
    const order = await attempt(() =>
      orders.create(central, {
        idempotencyKey: `demo-purchase-${p}`,
        kind: 'PURCHASE',
        requestingClues: 'DFSSA004936',
        supplier,
        promisedOn: new Date(approvedAt.getTime() + 20 * DAY).toISOString().slice(0, 10),
        lines: lines.slice(1),
      } as unknown as OrderCreateInput),
    );
    if (!order) continue;
    summary.purchases += 1;
    if (order.status !== 'DRAFT') continue;
    await orders.submit(central, { number: order.number });
    await orders.approve(central, { number: order.number } as OrderApproveInput);
    await backdateApproval(db, order.number, approvedAt);
    for (const [d, share] of [0.5, 0.4].entries()) {
      const at = approvedAt.getTime() + (10 + d * 15) * DAY;
      if (at > now) break;
      const lot = (clave: string) => `${supplier.slice(0, 3).toUpperCase()}-${clave.slice(8, 12)}-${d + 1}`;
      await attempt(() =>
        stock.receive(centralWarehouse, {
          idempotencyKey: `demo-purchase-${p}-${d}`,
          clues: 'DFSSA004936',
          orderNumber: order.number,
          source: 'PURCHASE',
          supplierDocument: `FAC-${p + 1}${d + 1}-${order.number}`,
          receivedAt: new Date(at),
          lines: lines.slice(1).map((l) => {
            const rejected = rand() < 0.25 ? 10 * (1 + Math.floor(rand() * 5)) : 0;
            return {
              clave: l.clave,
              lotNumber: lot(l.clave),
              expiresOn: new Date(at + 540 * DAY).toISOString().slice(0, 10),
              acceptedQuantity: Math.round(l.quantity * share) - rejected,
              rejectedQuantity: rejected,
              rejectionReason: rejected ? 'DAMAGED' : null,
            };
          }),
        } as unknown as StockReceiveInput),
      );
    }
  }

  // Prescriptions at the demo pharmacy over the last two weeks: mostly complete.
  const hospital = as(Role.PHARMACY, 'GRSSA015854');
  const onHand: Array<{ clave: string; usable: number }> = await db.query(
    `SELECT si.clave, sum(b.quantity)::int AS usable FROM stock_balance b JOIN lot l ON l.id = b.lot_id JOIN supply_item si ON si.id = b.supply_item_id
      WHERE b.establishment_id = (SELECT id FROM establishment WHERE clues = 'GRSSA015854') AND l.expires_on >= $1::date AND b.quantity > 0
      GROUP BY si.clave ORDER BY si.clave`,
    [today.toISOString().slice(0, 10)],
  );
  const left = new Map(onHand.map((h) => [h.clave, h.usable]));
  const rand = mulberry32(hash('prescriptions-GRSSA015854'));
  for (let n = 1; n <= 40 && onHand.length; n++) {
    const claves = [...new Set([0, 1, 2].slice(0, 1 + Math.floor(rand() * 3)).map(() => onHand[Math.floor(rand() * onHand.length)].clave))];
    const rxLines = claves.map((clave) => {
      const prescribed = 1 + Math.floor(rand() * 30);
      const dispensed = rand() < 0.85 ? Math.min(prescribed, left.get(clave)!) : Math.min(Math.floor(prescribed / 2), left.get(clave)!);
      left.set(clave, left.get(clave)! - dispensed);
      return { clave, prescribed, dispensed };
    });
    const rx = await attempt(() =>
      prescriptions.dispense(hospital, {
        idempotencyKey: `demo-rx-${n}`,
        clues: 'GRSSA015854',
        folio: `HGCH-${String(n).padStart(5, '0')}`,
        issuedOn: new Date(now - Math.floor(rand() * 14) * DAY - 6 * 3600_000).toISOString().slice(0, 10),
        lines: rxLines,
      } as unknown as PrescriptionDispenseInput),
    );
    if (rx) summary.prescriptions += 1;
  }
  return summary;
}
