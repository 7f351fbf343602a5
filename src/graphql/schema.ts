import 'reflect-metadata';
import './enums';
import { GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, NonEmptyArray } from 'type-graphql';
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

/**
 * Root fields that no `@Authorized` opened answer FORBIDDEN. Done on the built schema rather than as
 * a global type-graphql middleware: a global middleware wraps every field of every object in an
 * async chain, and a list of 100 rows then pays a promise per scalar.
 */
function closeUndeclared(schema: GraphQLSchema, declared: Set<string>): void {
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (!declared.has(field.name)) {
        field.resolve = () => {
          throw forbidden();
        };
      }
    }
  }
}

/**
 * Plain properties (no roles, middleware or field resolver, same name in the schema) are read by
 * graphql-js's default resolver instead of type-graphql's wrapper: one function call less per value.
 */
function markSimpleFields(): void {
  const storage = getMetadataStorage();
  for (const field of storage.fields) {
    const plain = !field.roles?.length && !field.middlewares?.length && field.name === field.schemaName && !field.params?.length;
    if (plain && field.simple === undefined) field.simple = true;
  }
}

let built: Promise<GraphQLSchema> | undefined;

/** The schema is built once per process (type-graphql keeps its metadata globally). */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= (async () => {
    markSimpleFields();
    const schema = await buildSchema({ resolvers, authChecker, validate: false });
    closeUndeclared(schema, declaredRootFields());
    return schema;
  })();
  return built;
}
