import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { KitSize } from './distribution.types';
import { kitSizes } from './kits';

/** Distribution's per-request loaders: kits a month of many units in one query. */
export function distributionLoaders(db: DataSource) {
  return {
    kitSizeByEstablishmentId: new DataLoader<number, KitSize>(async (ids) => {
      const found = await kitSizes(db, ids);
      return ids.map((id) => found.get(id)!);
    }),
  };
}

type DistributionLoaders = ReturnType<typeof distributionLoaders>;
declare module '../../base/context' {
  interface Loaders extends DistributionLoaders {}
}
