import { DataSource, In } from 'typeorm';
import { keyed } from '../../base/context';
import { supplyItemsByClave } from './catalog.queries';
import { SupplyItem } from './supply-item.entity';

/** The catalogue's per-request loaders. */
export function catalogLoaders(db: DataSource) {
  return {
    supplyItemByClave: keyed<string, SupplyItem>((k) => supplyItemsByClave(db, k), (s) => s.clave),
    supplyItemById: keyed<number, SupplyItem>((k) => db.getRepository(SupplyItem).findBy({ pk: In([...k]) }), (s) => s.pk),
  };
}

type CatalogLoaders = ReturnType<typeof catalogLoaders>;
declare module '../../base/context' {
  interface Loaders extends CatalogLoaders {}
}
