import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { keyed } from '../../base/context';
import { contractProgress, contractsWhere } from './contract.service';
import { ContractProgress, ProcurementContract } from './procurement.types';

/** Procurement's per-request loaders: open contracts and their progress. */
export function procurementLoaders(db: DataSource) {
  return {
    contractById: keyed<number, ProcurementContract>((k) => contractsWhere(db, 'c.id = ANY ($1::int[])', [k]), (c) => c.pk),
    contractProgress: new DataLoader<ProcurementContract, ContractProgress, number>(
      async (contracts) => {
        const found = await contractProgress(db, contracts);
        return contracts.map((c) => found.get(c.pk)!);
      },
      { cacheKeyFn: (c) => c.pk },
    ),
  };
}

type ProcurementLoaders = ReturnType<typeof procurementLoaders>;
declare module '../../base/context' {
  interface Loaders extends ProcurementLoaders {}
}
