import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import type { Viewer } from '../../base/auth';
import { keyed } from '../../base/context';
import { DistributionRound, DistributionRoundClave, DistributionRoundRoute, DistributionRoundSkip, KitSize, KitTemplate } from './distribution.types';
import { roundClaves, roundRoutes, roundsByIds, roundSkips, roundTotals } from './rounds';
import { kitSizes, kitTemplatesByIds } from './kits';

/** A round's figure as a viewer may see it: the viewer is the request's, so the round's id is the key. */
type RoundOf = { round: DistributionRound; viewer: Viewer };

function perRound<V>(fetch: (rounds: DistributionRound[], viewer: Viewer) => Promise<Map<number, V>>, none: V) {
  return new DataLoader<RoundOf, V, number>(
    async (keys) => {
      const found = await fetch(keys.map((k) => k.round), keys[0].viewer);
      return keys.map((k) => found.get(k.round.id) ?? none);
    },
    { cacheKeyFn: (k) => k.round.id },
  );
}

/** Distribution's per-request loaders: kits a month of many units, and every figure of many rounds, in one query each. */
export function distributionLoaders(db: DataSource) {
  return {
    kitSizeByEstablishmentId: new DataLoader<number, KitSize>(async (ids) => {
      const found = await kitSizes(db, ids);
      return ids.map((id) => found.get(id)!);
    }),
    kitTemplateById: keyed<number, KitTemplate>((ids) => kitTemplatesByIds(db, ids), (t) => t.id),
    distributionRoundById: keyed<number, DistributionRound>((ids) => roundsByIds(db, ids), (r) => r.id),
    roundTotals: perRound((rs, v) => roundTotals(db, rs.map((r) => r.id), v), { units: 0, kits: 0 }),
    roundClaves: perRound<DistributionRoundClave[]>((rs, v) => roundClaves(db, rs.map((r) => r.id), v), []),
    roundRoutes: perRound<DistributionRoundRoute[]>((rs, v) => roundRoutes(db, rs, v), []),
    roundSkips: perRound<DistributionRoundSkip[]>((rs, v) => roundSkips(db, rs.map((r) => r.id), v), []),
  };
}

type DistributionLoaders = ReturnType<typeof distributionLoaders>;
declare module '../../base/context' {
  interface Loaders extends DistributionLoaders {}
}
