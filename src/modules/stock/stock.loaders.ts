import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import type { Viewer } from '../../base/auth';
import { keyed } from '../../base/context';
import { holdersOf } from './stock.holds';
import { LotHold, LotHolder } from './stock.holds.types';
import { businessDay } from '../../domain/dates';
import { SupplierStock, supplierStock, supplierStockKey } from './stock.available';
import { lotsFor, movementsByIds, receiptById } from './stock.queries';
import { LotLevel, Receipt, StockMovement } from './stock.types';

/** The ledger's per-request loaders: a location × clave's lots, movements, receipts. */
export function stockLoaders(db: DataSource) {
  return {
    stockLots: new DataLoader<{ establishmentId: number; supplyItemId: number }, LotLevel[], string>(
      async (keys) => {
        const lots = await lotsFor(db, keys, businessDay());
        return keys.map((k) => lots.get(`${k.establishmentId}:${k.supplyItemId}`) ?? []);
      },
      { cacheKeyFn: (k) => `${k.establishmentId}:${k.supplyItemId}` },
    ),
    movementById: keyed<string, StockMovement>((k) => movementsByIds(db, k), (m) => m.pk),
    /** A supplying CLUES's usable, pending-out and available pieces of a clave: one statement per page that asks. */
    supplierStock: new DataLoader<{ establishmentId: number; supplyItemId: number }, SupplierStock, string>(
      async (keys) => {
        const found = await supplierStock(db, keys, businessDay());
        return keys.map((k) => found.get(supplierStockKey(k.establishmentId, k.supplyItemId))!);
      },
      { cacheKeyFn: (k) => supplierStockKey(k.establishmentId, k.supplyItemId) },
    ),
    /** Who still holds each hold's lot, as the request's viewer may see them (the viewer is the request's: the hold's id is the key). */
    lotHolders: new DataLoader<{ hold: LotHold; viewer: Viewer }, LotHolder[], number>(
      async (keys) => {
        const found = await holdersOf(db, keys.map((k) => k.hold), keys[0].viewer);
        return keys.map((k) => found.get(k.hold.id) ?? []);
      },
      { cacheKeyFn: (k) => k.hold.id },
    ),
    receiptById: new DataLoader<number, Receipt | null>(async (ids) => Promise.all(ids.map((id) => receiptById(db, id)))),
  };
}

type StockLoaders = ReturnType<typeof stockLoaders>;
declare module '../../base/context' {
  interface Loaders extends StockLoaders {}
}
