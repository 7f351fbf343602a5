import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { keyed } from '../../base/context';
import { gtinsBySupplyItemIds, supplyItemsByClave } from './catalog.queries';
import { SupplyItem } from './supply-item.entity';

/** The catalogue's per-request loaders. */
export function catalogLoaders(db: DataSource) {
  return {
    supplyItemByClave: keyed<string, SupplyItem>((k) => supplyItemsByClave(db, k), (s) => s.clave),
    supplyItemById: keyed<number, SupplyItem>((k) => db.getRepository(SupplyItem).findBy({ pk: In([...k]) }), (s) => s.pk),
    /** A page of claves reads its GTINs in one statement. */
    gtinsBySupplyItemId: new DataLoader<number, string[]>(async (ids) => {
      const found = await gtinsBySupplyItemIds(db, ids);
      return ids.map((id) => found.get(id) ?? []);
    }),
  };
}

type CatalogLoaders = ReturnType<typeof catalogLoaders>;
declare module '../../base/context' {
  interface Loaders extends CatalogLoaders {}
}
