import { Registry1763884800000 } from './1763884800000-Registry';
import { StockLedger1763971200000 } from './1763971200000-StockLedger';

/** Every migration, in order. Listed explicitly so ts-node, jest and compiled code load the same set. */
export const migrations = [Registry1763884800000, StockLedger1763971200000];
