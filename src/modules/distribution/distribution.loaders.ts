import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { keyed } from '../../base/context';
import { DistributionRound, KitSize } from './distribution.types';
import { roundsByIds } from './rounds';
import { kitSizes } from './kits';

/** Distribution's per-request loaders: kits a month of many units in one query. */
export function distributionLoaders(db: DataSource) {
  return {
    kitSizeByEstablishmentId: new DataLoader<number, KitSize>(async (ids) => {
      const found = await kitSizes(db, ids);
      return ids.map((id) => found.get(id)!);
    }),
    distributionRoundById: keyed<number, DistributionRound>((ids) => roundsByIds(db, ids), (r) => r.id),
  };
}

type DistributionLoaders = ReturnType<typeof distributionLoaders>;
declare module '../../base/context' {
  interface Loaders extends DistributionLoaders {}
}
