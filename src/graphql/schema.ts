import 'reflect-metadata';
import '../base/enums';
import { GraphQLNonNull, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, NonEmptyArray } from 'type-graphql';
import { SupplyItemResolver } from '../modules/catalog/catalog.resolver';
import { EstablishmentResolver, WarehouseResolver } from '../modules/registry/registry.resolver';
import { CpmResolver, CpmSubmissionLineResolver } from '../modules/cpm/cpm.resolver';
import { IndicatorResolver, IndicatorRowResolver } from '../modules/indicators/indicator.resolver';
import { OrderLineResolver, OrderResolver } from '../modules/orders/order.resolver';
import { OrderProcurementResolver } from '../modules/orders/order-procurement.resolver';
import { OrderLinksResolver, ShipmentLinksResolver } from '../modules/orders/order-links.resolver';
import { OrderLineSupplyResolver, SuggestedOrderLineResolver } from '../modules/orders/order-supply.resolver';
import { ShipmentListResolver } from '../modules/orders/shipment.resolver';
import { OrderPickListResolver, PickListLineResolver } from '../modules/orders/pick-list.resolver';
import { PrescriptionResolver } from '../modules/prescriptions/prescription.resolver';
import { ReceiptResolver, StockLevelResolver, StockMovementResolver, StockResolver } from '../modules/stock/stock.resolver';
import { LotHoldResolver } from '../modules/stock/stock.holds.resolver';
import { StockOutClaveResolver, StockOutsResolver, UnitStockOutsResolver } from '../modules/stock/stock.outs';
import { ViewerResolver } from '../modules/viewer/viewer.resolver';
import { LotTraceResolver } from '../modules/recall/lot-trace.resolver';
import { DistributionRoundClaveResolver, DistributionRoundResolver, EstablishmentKitsResolver, KitTemplateLineResolver, KitTemplateResolver, OrderRoundResolver, RouteResolver } from '../modules/distribution/distribution.resolver';
import { KitTemplateFilesResolver } from '../modules/distribution/distribution-files.resolver';
import { ProcurementContractResolver, ProcurementResolver, RedistributionResolver } from '../modules/procurement/procurement.resolver';
import { authChecker } from '../base/auth';
import { forbidden } from '../base/errors';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const resolvers: NonEmptyArray<Function> = [
  ViewerResolver,
  KitTemplateResolver,
  KitTemplateFilesResolver,
  KitTemplateLineResolver,
  EstablishmentKitsResolver,
  RouteResolver,
  DistributionRoundResolver,
  DistributionRoundClaveResolver,
  OrderRoundResolver,
  EstablishmentResolver,
  WarehouseResolver,
  SupplyItemResolver,
  StockResolver,
  LotHoldResolver,
  StockLevelResolver,
  StockMovementResolver,
  ReceiptResolver,
  StockOutsResolver,
  UnitStockOutsResolver,
  StockOutClaveResolver,
  CpmResolver,
  CpmSubmissionLineResolver,
  IndicatorResolver,
  IndicatorRowResolver,
  OrderResolver,
  OrderProcurementResolver,
  OrderLinksResolver,
  ShipmentLinksResolver,
  ProcurementResolver,
  ProcurementContractResolver,
  RedistributionResolver,
  OrderLineResolver,
  OrderLineSupplyResolver,
  SuggestedOrderLineResolver,
  ShipmentListResolver,
  OrderPickListResolver,
  PickListLineResolver,
  PrescriptionResolver,
  LotTraceResolver,
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
 * Every Query and Mutation field is nullable, whatever its decorator says (as GitHub's and Shopify's
 * APIs do): an error in one root field (FORBIDDEN, a bad argument) nulls that field alone, and its
 * siblings in the same document — a mutation that already committed among them — keep their data.
 * Done here, once, so that a new root field cannot forget it.
 */
function nullableRootFields(schema: GraphQLSchema): void {
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (field.type instanceof GraphQLNonNull) field.type = field.type.ofType;
    }
  }
}

/**
 * Plain properties (no roles, middleware or field resolver, same name in the schema) are read by
 * graphql-js's default resolver instead of type-graphql's wrapper: one function call less per value.
 * A property declared as a Promise keeps a resolver: the compiled executor (executor.ts) reads
 * resolver-less fields synchronously.
 */
function markSimpleFields(): void {
  const storage = getMetadataStorage();
  for (const field of storage.fields) {
    const declared = Reflect.getMetadata('design:type', field.target.prototype, field.name);
    const plain =
      !field.roles?.length && !field.middlewares?.length && field.name === field.schemaName && !field.params?.length && declared !== Promise;
    if (plain && field.simple === undefined) field.simple = true;
  }
}

/**
 * A field resolver that takes only its parent object, the context and the resolve info (no arguments,
 * roles or middleware) is called directly rather than through type-graphql's generic wrapper, which
 * sorts and maps the parameters on every call: on a page of 100 rows that is several hundred calls a
 * request. The parent is made an instance of its class when it is not one, as type-graphql does.
 */
function directFieldResolvers(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const instances = new Map<Function, Record<string, (...a: unknown[]) => unknown>>();
  for (const fr of storage.fieldResolvers) {
    if (fr.kind !== 'external' || fr.roles?.length || fr.middlewares?.length || !fr.getObjectType) continue;
    const params = [...(fr.params ?? [])].sort((a, b) => a.index - b.index);
    const plain = params.every((p, i) => p.index === i && (p.kind === 'info' || ((p.kind === 'root' || p.kind === 'context') && !p.propertyName)));
    if (!plain) continue;
    const objectClass = fr.getObjectType();
    const objectType = storage.objectTypes.find((o) => o.target === objectClass);
    const type = objectType && schema.getType(objectType.name);
    if (!(type instanceof GraphQLObjectType)) continue;
    const field = type.getFields()[fr.schemaName];
    if (!field) continue;
    let instance = instances.get(fr.target);
    if (!instance) instances.set(fr.target, (instance = new (fr.target as new () => Record<string, (...a: unknown[]) => unknown>)()));
    const target = instance;
    const method = target[fr.methodName];
    const kinds = params.map((p) => p.kind);
    const rootClass = objectClass as new () => object;
    const asRoot = (root: unknown) => (root == null || typeof root !== 'object' || root instanceof rootClass ? root : Object.assign(new rootClass(), root));
    field.resolve = (root, _args, context, info) => method.apply(target, kinds.map((k) => (k === 'root' ? asRoot(root) : k === 'context' ? context : info)));
  }
}

let built: Promise<GraphQLSchema> | undefined;

/** The schema is built once per process (type-graphql keeps its metadata globally). */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= (async () => {
    markSimpleFields();
    const schema = await buildSchema({ resolvers, authChecker, validate: false });
    closeUndeclared(schema, declaredRootFields());
    nullableRootFields(schema);
    directFieldResolvers(schema);
    return schema;
  })();
  return built;
}
