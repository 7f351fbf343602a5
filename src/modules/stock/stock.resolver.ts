import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { fieldsOnItems, selects } from '../../base/lookahead';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { payload } from '../../base/errors';
import { connectionType } from '../../base/relay';
import { SupplyItem } from '../catalog/supply-item.entity';
import { Establishment } from '../registry/establishment.entity';
import {
  ExpiredWriteOffInput,
  StockAdjustInput,
  StockConsumeInput,
  StockCountInput,
  StockLevelsArgs,
  StockMovementReverseInput,
  StockMovementsArgs,
  StockMovementsPayload,
  StockReceiveInput,
  StockReceivePayload,
} from './stock.inputs';
import * as read from './stock.read';
import * as corrections from './stock.corrections';
import * as stock from './stock.service';
import type { Written } from './stock.service';
import { LedgerCheck, LotLevel, StockLevel, StockMovement } from './stock.types';

export const StockLevelConnection = connectionType('StockLevel', StockLevel);
export const StockMovementConnection = connectionType('StockMovement', StockMovement);

/**
 * A stock mutation's payload. What it wrote (its movements, its receipt) is read after the commit,
 * and only when the response selects it: a client that asks for `userErrors` alone costs no read.
 */
async function writtenPayload(work: () => Promise<Written>) {
  const p = await payload('result', work);
  return {
    userErrors: p.userErrors,
    get movements() {
      return p.result ? p.result.movements() : null;
    },
    get receipt() {
      return p.result ? p.result.receipt() : null;
    },
  };
}

@Resolver()
export class StockResolver {
  @Authorized(Roles.anyone)
  @Query(() => StockLevelConnection, { description: 'Stock by clave at one CLUES, with lots and expiry (in the caller’s scope).' })
  stockLevels(@Args() args: StockLevelsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const fields = fieldsOnItems(info);
    return read.stockLevels(ctx, args.clues, args.filter, args, { lots: fields.has('lots'), reads: { fields, total: selects(info, ['totalCount']) } });
  }

  @Authorized(Roles.anyone)
  @Query(() => StockMovementConnection, { description: 'The ledger of one CLUES in business-time order (oldest first).' })
  stockMovements(@Args() args: StockMovementsArgs, @Ctx() ctx: Context) {
    return read.stockMovements(ctx, args);
  }

  @Authorized(Roles.anyone)
  @Query(() => LedgerCheck, { description: 'Compares every balance with the sum of its movements (one CLUES, or all for national roles).' })
  ledgerCheck(@Arg('clues', () => String, { nullable: true }) clues: string | null, @Ctx() ctx: Context) {
    return read.checkLedger(ctx, clues);
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockReceivePayload, { description: 'Records pieces received (entrada) at a warehouse or unit.' })
  stockReceive(@Arg('input') input: StockReceiveInput, @Ctx() ctx: Context) {
    return writtenPayload(() => stock.receive(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Adjusts one lot by hand, with a reason.' })
  stockAdjust(@Arg('input') input: StockAdjustInput, @Ctx() ctx: Context) {
    return writtenPayload(() => stock.adjust(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Records a physical inventory: counted lots are set to what was counted.' })
  stockCount(@Arg('input') input: StockCountInput, @Ctx() ctx: Context) {
    return writtenPayload(() => stock.count(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Records ward or service use; FEFO when no lot is given.' })
  stockConsume(@Arg('input') input: StockConsumeInput, @Ctx() ctx: Context) {
    return writtenPayload(() => stock.consume(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Takes every expired lot at a CLUES out of stock.' })
  expiredWriteOff(@Arg('input') input: ExpiredWriteOffInput, @Ctx() ctx: Context) {
    return writtenPayload(() => corrections.writeOffExpired(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Undoes a movement with its opposite (REVERSAL).' })
  stockMovementReverse(@Arg('input') input: StockMovementReverseInput, @Ctx() ctx: Context) {
    return writtenPayload(() => corrections.reverse(ctx, input));
  }
}

@Resolver(() => StockLevel)
export class StockLevelResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() s: StockLevel, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemByClave.load(s.clave))!;
  }

  @FieldResolver(() => [LotLevel], { description: 'Lots holding pieces, the one that expires soonest first.' })
  lots(@Root() s: StockLevel, @Ctx() ctx: Context): Promise<LotLevel[]> | LotLevel[] {
    return s.loadedLots ?? ctx.loaders.stockLots.load({ establishmentId: s.establishmentId, supplyItemId: s.supplyItemId });
  }
}

@Resolver(() => StockMovement)
export class StockMovementResolver {
  @FieldResolver(() => SupplyItem)
  async supplyItem(@Root() m: StockMovement, @Ctx() ctx: Context): Promise<SupplyItem> {
    return (await ctx.loaders.supplyItemByClave.load(m.clave))!;
  }

  @FieldResolver(() => Establishment)
  async establishment(@Root() m: StockMovement, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentById.load(m.establishmentId))!;
  }
}
