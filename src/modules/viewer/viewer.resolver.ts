import { stateOf } from '../registry/state.entity';
import { Arg, Authorized, Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { Role, ROLE_LABEL } from '../../domain/enums';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { forbidden } from '../../base/errors';
import { fromGlobalId, Node } from '../../base/node';
import { Establishment } from '../registry/establishment.entity';
import { State } from '../registry/state.entity';
import * as orders from '../orders/order.service';
import * as shipments from '../orders/shipment.service';
import { contractsWhere } from '../procurement/contract.service';
import { planRowAt } from '../procurement/procurement.service';
import { CONTRACT_READERS } from '../procurement/procurement.types';
import { stockLevelAt } from '../stock/stock.read';
import { prescriptionWhere } from '../prescriptions/prescription.service';
import { loadSubmission } from '../cpm/cpm.service';

@ObjectType('Viewer', { description: 'The caller: role and scope, from the bearer token.' })
export class ViewerInfo {
  @Field({ description: 'Subject of the token (user id at the identity provider).' })
  subject: string;

  @Field(() => Role)
  role: Role;

  @Field({ description: 'The role in Spanish, as screens show it (Farmacia, Almacén, Coordinación estatal…).' })
  get roleName(): string {
    return ROLE_LABEL[this.role];
  }

  @Field({ description: 'Whether the scope is the whole country (ADMIN, CENTRAL, AUDITOR).' })
  national: boolean;

  @Field({ description: 'Whether the role may change anything at all (AUDITOR may not).' })
  canWrite: boolean;

  @Field(() => State, { nullable: true, description: 'The state of a STATE_COORDINATOR.' })
  state: State | null;

  @Field(() => Establishment, { nullable: true, description: 'The establishment of a WAREHOUSE or PHARMACY user.' })
  establishment: Establishment | null;

  @Field(() => String, { nullable: true, description: 'CLUES of a WAREHOUSE or PHARMACY user, even before it is registered.' })
  clues: string | null;
}

/**
 * Objects that belong to one location are visible only in the caller's scope; outside it, an
 * existing object and a missing one both answer FORBIDDEN.
 */
async function scoped<T extends { clues: string }>(ctx: Context, found: Promise<T | null>): Promise<T | null> {
  const viewer = viewerOf(ctx);
  const object = await found;
  if (object ? !viewer.covers(object.clues) : !viewer.national) throw forbidden();
  return object;
}

/** A numeric key (a serial id) or null: a key that is not one finds nothing rather than failing in SQL. */
const serial = (key: string): number | null => (/^[0-9]{1,9}$/.test(key) ? Number(key) : null);

/**
 * How `node(id:)` finds each type by its key, with the authorisation of the query that lists it. Every
 * type that implements Node has one (test/db/node.test.ts resolves one object of each from the schema).
 */
const nodeLoaders: Record<string, (ctx: Context, key: string) => Promise<unknown>> = {
  State: async (_ctx, key) => stateOf(key),
  Establishment: (ctx, key) => ctx.loaders.establishmentByClues.load(key),
  Warehouse: (ctx, key) => ctx.loaders.warehouseByClues.load(key),
  SupplyItem: (ctx, key) => ctx.loaders.supplyItemByClave.load(key),
  StockMovement: (ctx, key) => (/^[0-9]{1,18}$/.test(key) ? scoped(ctx, ctx.loaders.movementById.load(key)) : Promise.resolve(null)),
  Receipt: (ctx, key) => (/^[0-9]{1,9}$/.test(key) ? scoped(ctx, ctx.loaders.receiptById.load(Number(key))) : Promise.resolve(null)),
  Order: (ctx, key) => orders.orderFor(ctx, key),
  Shipment: (ctx, key) => shipments.shipmentFor(ctx, key),
  ProcurementContract: async (ctx, key) => {
    if (!CONTRACT_READERS.includes(viewerOf(ctx).role)) throw forbidden();
    return (await contractsWhere(ctx.db, 'c.number = $1', [key]))[0] ?? null;
  },
  Prescription: async (ctx, key) => {
    const pk = serial(key);
    return pk === null ? null : scoped(ctx, prescriptionWhere(ctx.db.manager, 'p.id = $1', [pk]));
  },
  CpmSubmission: async (ctx, key) => {
    const pk = serial(key);
    return pk === null ? null : scoped(ctx, loadSubmission(ctx.db.manager, pk));
  },
  // location × clave, read at today's date with the stock page's authorisation
  StockLevel: async (ctx, key) => {
    const sep = key.indexOf(':');
    return sep > 0 ? stockLevelAt(ctx, key.slice(0, sep), key.slice(sep + 1)) : null;
  },
  ProcurementPlanRow: (ctx, key) => planRowAt(ctx, key),
};

/** The types `node(id:)` resolves. */
export const NODE_TYPES: readonly string[] = Object.keys(nodeLoaders);

@Resolver()
export class ViewerResolver {
  @Authorized(Roles.anyone)
  @Query(() => ViewerInfo, { description: 'Who the caller is and what they may reach.' })
  async me(@Ctx() ctx: Context): Promise<ViewerInfo> {
    const v = viewerOf(ctx);
    return Object.assign(new ViewerInfo(), {
      subject: v.subject,
      role: v.role,
      national: v.national,
      canWrite: v.role !== Role.AUDITOR,
      clues: v.clues,
      state: v.stateCode ? stateOf(v.stateCode) : null,
      establishment: v.clues ? await ctx.loaders.establishmentByClues.load(v.clues) : null,
    });
  }

  @Authorized(Roles.anyone)
  @Query(() => Node, { nullable: true, description: 'Any object by its global ID (Relay).' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<unknown> {
    const decoded = fromGlobalId(id);
    const load = decoded && nodeLoaders[decoded.type];
    return load ? load(ctx, decoded.key) : null;
  }
}
