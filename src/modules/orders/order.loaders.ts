import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { shipmentLinesFor } from './order.queries';
import { ShipmentLine } from './order.types';
import { shipmentRecalls } from '../stock/stock.holds';
import { LotRecallNotice } from '../stock/stock.holds.types';

/** The order module's per-request loaders: a page of shipments reads its lines in one statement. */
export function orderLoaders(db: DataSource) {
  return {
    /** A page of shipments' lots on hold where each goes, in one statement. */
    shipmentRecalls: new DataLoader<number, LotRecallNotice[]>(async (ids) => {
      const found = await shipmentRecalls(db, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
    shipmentLines: new DataLoader<number, ShipmentLine[]>(async (ids) => {
      const found = await shipmentLinesFor(db, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
  };
}

type OrderLoaders = ReturnType<typeof orderLoaders>;
declare module '../../base/context' {
  interface Loaders extends OrderLoaders {}
}
