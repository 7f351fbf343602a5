import 'reflect-metadata';
import './enums';
import { GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, MiddlewareFn, NonEmptyArray } from 'type-graphql';
import { SupplyItemResolver } from '../modules/catalog/catalog.resolver';
import { EstablishmentResolver, WarehouseResolver } from '../modules/registry/registry.resolver';
import { CpmResolver, CpmSubmissionLineResolver } from '../modules/cpm/cpm.resolver';
import { IndicatorResolver, IndicatorRowResolver } from '../modules/indicators/indicator.resolver';
import { OrderLineResolver, OrderResolver } from '../modules/orders/order.resolver';
import { PrescriptionResolver } from '../modules/prescriptions/prescription';
import { StockLevelResolver, StockMovementResolver, StockResolver } from '../modules/stock/stock.resolver';
import { ViewerResolver } from '../modules/viewer/viewer.resolver';
import { OrderContractResolver, ProcurementContractResolver, ProcurementResolver, RedistributionResolver } from '../modules/procurement/procurement.resolver';
import { authChecker } from './auth';
import { Context } from './context';
import { forbidden } from './errors';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const resolvers: NonEmptyArray<Function> = [
  ViewerResolver,
  EstablishmentResolver,
  WarehouseResolver,
  SupplyItemResolver,
  StockResolver,
  StockLevelResolver,
  StockMovementResolver,
  CpmResolver,
  CpmSubmissionLineResolver,
  IndicatorResolver,
  IndicatorRowResolver,
  OrderResolver,
  OrderContractResolver,
  ProcurementResolver,
  ProcurementContractResolver,
  RedistributionResolver,
  OrderLineResolver,
  PrescriptionResolver,
];

/**
 * Root fields that declare who may call them (`@Authorized(...)`). Anything else is denied:
 * a new query or mutation is closed until its author opens it on purpose.
 */
export function declaredRootFields(): Set<string> {
  const storage = getMetadataStorage();
  return new Set([...storage.queries, ...storage.mutations].filter((r) => r.roles !== undefined).map((r) => r.schemaName));
}

function denyUndeclared(declared: Set<string>): MiddlewareFn<Context> {
  return ({ info }, next) => {
    const root = info.parentType.name;
    if ((root === 'Query' || root === 'Mutation') && !declared.has(info.fieldName)) throw forbidden();
    return next();
  };
}

let built: Promise<GraphQLSchema> | undefined;

/** The schema is built once per process (type-graphql keeps its metadata globally). */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= (async () => {
    const declared = new Set<string>();
    const schema = await buildSchema({
      resolvers,
      authChecker,
      globalMiddlewares: [denyUndeclared(declared)],
      validate: false,
    });
    for (const name of declaredRootFields()) declared.add(name);
    return schema;
  })();
  return built;
}
