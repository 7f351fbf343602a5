import { DataSource } from 'typeorm';
import type { Loaders } from '../base/context';
import { catalogLoaders } from '../modules/catalog/catalog.loaders';
import { orderLoaders } from '../modules/orders/order.loaders';
import { distributionLoaders } from '../modules/distribution/distribution.loaders';
import { procurementLoaders } from '../modules/procurement/procurement.loaders';
import { registryLoaders } from '../modules/registry/registry.loaders';
import { stockLoaders } from '../modules/stock/stock.loaders';
// Module policies another module applies: every context is built here, so they are always registered.
import '../modules/orders/purchase-receipt';

/**
 * Per-request loaders, every module's merged: every relation field goes through one, so a list costs a
 * fixed number of queries. Each module declares its own (`<module>.loaders.ts`).
 */
export function createLoaders(db: DataSource): Loaders {
  return { ...registryLoaders(db), ...catalogLoaders(db), ...stockLoaders(db), ...procurementLoaders(db), ...orderLoaders(db), ...distributionLoaders(db) };
}
