import { DataSource, EntityManager, In } from 'typeorm';
import { SupplyItem } from './supply-item.entity';

export function supplyItemsByClave(db: DataSource | EntityManager, claves: readonly string[]): Promise<SupplyItem[]> {
  return db.getRepository(SupplyItem).findBy({ clave: In([...claves]) });
}
