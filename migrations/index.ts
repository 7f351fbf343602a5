import { Registry1763884800000 } from './1763884800000-Registry';
import { StockLedger1763971200000 } from './1763971200000-StockLedger';
import { Cpm1764057600000 } from './1764057600000-Cpm';
import { Orders1764144000000 } from './1764144000000-Orders';
import { OrderFill1764230400000 } from './1764230400000-OrderFill';
import { Procurement1764316800000 } from './1764316800000-Procurement';
import { IndicatorIndexes1764403200000 } from './1764403200000-IndicatorIndexes';
import { OrderFillSummary1764489600000 } from './1764489600000-OrderFillSummary';
import { IdempotencyPerCaller1764576000000 } from './1764576000000-IdempotencyPerCaller';
import { StockPipeline1764662400000 } from './1764662400000-StockPipeline';
import { NormalizedLotNumbers1764748800000 } from './1764748800000-NormalizedLotNumbers';
import { MovementsByLotAndTime1764835200000 } from './1764835200000-MovementsByLotAndTime';
import { ShipmentLeftBehind1764921600000 } from './1764921600000-ShipmentLeftBehind';
import { SupplyItemGtin1765040400000 } from './1765040400000-SupplyItemGtin';
import { CluesSuccession1765100000000 } from './1765100000000-CluesSuccession';
import { CatalogueAsPublished1765200000000 } from './1765200000000-CatalogueAsPublished';
import { RutasDeLaSalud1765300000000 } from './1765300000000-RutasDeLaSalud';
import { RoundSkips1765400000000 } from './1765400000000-RoundSkips';
import { LotTrace1765500000000 } from './1765500000000-LotTrace';
import { LotHolds1765600000000 } from './1765600000000-LotHolds';

/** Every migration, in order. Listed explicitly so ts-node, jest and compiled code load the same set. */
export const migrations = [Registry1763884800000, StockLedger1763971200000, Cpm1764057600000, Orders1764144000000, OrderFill1764230400000, Procurement1764316800000, IndicatorIndexes1764403200000, OrderFillSummary1764489600000, IdempotencyPerCaller1764576000000, StockPipeline1764662400000, NormalizedLotNumbers1764748800000, MovementsByLotAndTime1764835200000, ShipmentLeftBehind1764921600000, SupplyItemGtin1765040400000, CluesSuccession1765100000000, CatalogueAsPublished1765200000000, RutasDeLaSalud1765300000000, RoundSkips1765400000000, LotTrace1765500000000, LotHolds1765600000000];
