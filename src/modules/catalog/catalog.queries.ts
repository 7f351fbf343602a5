import { DataSource, EntityManager, In } from 'typeorm';
import { SupplyItem } from './supply-item.entity';

export function supplyItemsByClave(db: DataSource | EntityManager, claves: readonly string[]): Promise<SupplyItem[]> {
  return db.getRepository(SupplyItem).findBy({ clave: In([...claves]) });
}

/** The GTINs (14-digit form, in order) linked to each of these supply items, in one statement. */
export async function gtinsBySupplyItemIds(db: DataSource | EntityManager, ids: readonly number[]): Promise<Map<number, string[]>> {
  const rows: Array<{ id: number; gtins: string[] }> = await db.query(
    'SELECT supply_item_id AS id, array_agg(gtin ORDER BY gtin) AS gtins FROM supply_item_gtin WHERE supply_item_id = ANY ($1::int[]) GROUP BY 1',
    [[...ids]],
  );
  return new Map(rows.map((r) => [r.id, r.gtins]));
}
