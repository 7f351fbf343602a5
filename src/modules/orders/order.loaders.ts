import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { shipmentLinesFor } from './order.queries';
import { ShipmentLine } from './order.types';

/** The order module's per-request loaders: a page of shipments reads its lines in one statement. */
export function orderLoaders(db: DataSource) {
  return {
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
