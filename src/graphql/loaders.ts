import DataLoader from 'dataloader';
import { In } from 'typeorm';
import { DataSource } from 'typeorm';
import { businessDay } from '../domain/dates';
import { SaiStatus } from '../domain/enums';
import { SupplyItem } from '../modules/catalog/supply-item.entity';
import { supplyItemsByClave } from '../modules/catalog/catalog.queries';
import { Establishment, SaiStatusChange } from '../modules/registry/establishment.entity';
import * as registry from '../modules/registry/registry.queries';
import { Warehouse } from '../modules/registry/warehouse.entity';
import { lotsFor, movementsByIds, receiptById } from '../modules/stock/stock.queries';
import { LotLevel, Receipt, StockMovement } from '../modules/stock/stock.types';
import { contractProgress, contractsWhere } from '../modules/procurement/contract.service';
import { ContractProgress, ProcurementContract } from '../modules/procurement/procurement.types';

/** A loader that fetches rows for many keys at once and hands each key its row (or null). */
function keyed<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (v: V) => K): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

export interface ServedPageKey {
  warehouseId: number;
  after: string | undefined;
  limit: number;
}

/** Per-request loaders: every relation field goes through one, so a list costs a fixed number of queries. */
export function createLoaders(db: DataSource) {
  const loaders = {
    contractById: keyed<number, ProcurementContract>((k) => contractsWhere(db, 'c.id = ANY ($1::int[])', [k]), (c) => c.pk),
    contractProgress: new DataLoader<ProcurementContract, ContractProgress, number>(
      async (contracts) => {
        const found = await contractProgress(db, contracts);
        return contracts.map((c) => found.get(c.pk)!);
      },
      { cacheKeyFn: (c) => c.pk },
    ),
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
    supplyItemByClave: keyed<string, SupplyItem>((k) => supplyItemsByClave(db, k), (s) => s.clave),
    supplyItemById: keyed<number, SupplyItem>((k) => db.getRepository(SupplyItem).findBy({ pk: In([...k]) }), (s) => s.pk),
    stockLots: new DataLoader<{ establishmentId: number; supplyItemId: number }, LotLevel[], string>(
      async (keys) => {
        const lots = await lotsFor(db, keys, businessDay());
        return keys.map((k) => lots.get(`${k.establishmentId}:${k.supplyItemId}`) ?? []);
      },
      { cacheKeyFn: (k) => `${k.establishmentId}:${k.supplyItemId}` },
    ),
    movementById: keyed<string, StockMovement>((k) => movementsByIds(db, k), (m) => m.pk),
    receiptById: new DataLoader<number, Receipt | null>(async (ids) => Promise.all(ids.map((id) => receiptById(db, id)))),
  };
  return loaders;
}

export type Loaders = ReturnType<typeof createLoaders>;
