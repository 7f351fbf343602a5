import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { keyed } from '../../base/context';
import { businessDay } from '../../domain/dates';
import { SaiStatus } from '../../domain/enums';
import { Establishment, SaiStatusChange } from './establishment.entity';
import * as registry from './registry.queries';
import { Warehouse } from './warehouse.entity';

export interface ServedPageKey {
  warehouseId: number;
  after: string | undefined;
  limit: number;
}

/** The registry's per-request loaders: establishments, warehouses, SAI status, a warehouse's served units. */
export function registryLoaders(db: DataSource) {
  const loaders = {
    establishmentById: keyed<number, Establishment>((k) => registry.establishmentsById(db, k), (e) => e.pk),
    // Each establishment comes with its warehouse role, which primes warehouseByEstablishmentId.
    establishmentByClues: keyed<string, Establishment>(
      async (k) =>
        (await registry.establishmentsByClues(db, k)).map(({ establishment, warehouse }) => {
          loaders.warehouseByEstablishmentId.prime(establishment.pk, warehouse);
          return establishment;
        }),
      (e) => e.clues,
    ),
    warehouseById: keyed<number, Warehouse>((k) => registry.warehousesBy(db, 'id', k), (w) => w.pk),
    warehouseByEstablishmentId: keyed<number, Warehouse>(
      (k) => registry.warehousesBy(db, 'establishment_id', k),
      (w) => w.establishmentId,
    ),
    warehouseByClues: keyed<string, Warehouse>((k) => registry.warehousesByClues(db, k), (w) => w.clues),
    saiStatus: new DataLoader<number, SaiStatus>(async (ids) => {
      const found = await registry.saiStatusOn(db, ids, businessDay());
      return ids.map((id) => found.get(id) ?? SaiStatus.NOT_STARTED);
    }),
    saiHistory: new DataLoader<number, SaiStatusChange[]>(async (ids) => {
      const found = await registry.saiHistories(db, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
    predecessors: new DataLoader<number, Establishment[]>(async (ids) => {
      const found = await registry.predecessorsOf(db, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
    successor: new DataLoader<number, Establishment | null>(async (ids) => {
      const found = await registry.successorsOf(db, ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    servedPage: new DataLoader<ServedPageKey, Establishment[], string>(
      async (requests) => {
        const pages = await registry.servedPages(db, requests);
        return requests.map((r) => pages.get(registry.servedKey(r.warehouseId, r.after, r.limit)) ?? []);
      },
      { cacheKeyFn: (r) => registry.servedKey(r.warehouseId, r.after, r.limit) },
    ),
    servedCount: new DataLoader<number, number>(async (ids) => {
      const counts = await registry.servedCounts(db, ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
  return loaders;
}

type RegistryLoaders = ReturnType<typeof registryLoaders>;
declare module '../../base/context' {
  interface Loaders extends RegistryLoaders {}
}
