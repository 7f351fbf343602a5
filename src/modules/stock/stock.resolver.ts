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
import { LedgerCheck, LotLevel, Receipt, StockLevel, StockMovement } from './stock.types';

export const StockLevelConnection = connectionType('StockLevel', StockLevel);
export const StockMovementConnection = connectionType('StockMovement', StockMovement);

/**
 * A stock mutation's payload. What it wrote (its movements, its receipt, the stock levels it changed) is
 * read after the commit, and only when the response selects it: a client that asks for `userErrors`
 * alone costs no read. The levels are those of the location × claves its movements moved, read at once.
 */
async function writtenPayload(ctx: Context, work: () => Promise<Written>) {
  const p = await payload('result', work);
  let levels: Promise<StockLevel[]> | undefined;
  return {
    get stockLevels() {
      return (levels ??= p.result ? p.result.movements().then((ms) => read.stockLevelsOf(ctx, ms)) : Promise.resolve([]));
    },
    userErrors: p.userErrors,
    userWarnings: p.result?.warnings ?? [],
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
    return read.stockLevels(ctx, args.clues, args.filter, args, { lots: fields.has('lots'), reads: { fields, total: selects(info, ['totalCount']) } }, !!args.includePredecessors);
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
    return writtenPayload(ctx, () => stock.receive(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Adjusts one lot by hand, with a reason.' })
  stockAdjust(@Arg('input') input: StockAdjustInput, @Ctx() ctx: Context) {
    return writtenPayload(ctx, () => stock.adjust(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Records a physical inventory: counted lots are set to what was counted.' })
  stockCount(@Arg('input') input: StockCountInput, @Ctx() ctx: Context) {
    return writtenPayload(ctx, () => stock.count(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Records ward or service use; FEFO when no lot is given.' })
  stockConsume(@Arg('input') input: StockConsumeInput, @Ctx() ctx: Context) {
    return writtenPayload(ctx, () => stock.consume(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Takes every expired lot at a CLUES out of stock.' })
  expiredWriteOff(@Arg('input') input: ExpiredWriteOffInput, @Ctx() ctx: Context) {
    return writtenPayload(ctx, () => corrections.writeOffExpired(ctx, input));
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => StockMovementsPayload, { description: 'Undoes a movement with its opposite (REVERSAL).' })
  stockMovementReverse(@Arg('input') input: StockMovementReverseInput, @Ctx() ctx: Context) {
    return writtenPayload(ctx, () => corrections.reverse(ctx, input));
  }
}

@Resolver(() => StockLevel)
export class StockLevelResolver {
  @FieldResolver(() => Establishment, { description: 'The location (its CLUES is in `id`); the page’s location, read once.' })
  async establishment(@Root() s: StockLevel, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentByClues.load(s.clues))!;
  }

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

  @FieldResolver(() => StockMovement, { nullable: true, description: 'The movement this reversal undoes (null unless it is a REVERSAL).' })
  reversesMovement(@Root() m: StockMovement, @Ctx() ctx: Context): Promise<StockMovement | null> | null {
    return m.reversesPk ? ctx.loaders.movementById.load(m.reversesPk) : null;
  }

  @FieldResolver(() => StockMovement, { nullable: true, description: 'The reversal that undid this movement, if any.' })
  reversedByMovement(@Root() m: StockMovement, @Ctx() ctx: Context): Promise<StockMovement | null> | null {
    return m.reversedByPk ? ctx.loaders.movementById.load(m.reversedByPk) : null;
  }
}

@Resolver(() => Receipt)
export class ReceiptResolver {
  @FieldResolver(() => Establishment, { description: 'Where the pieces were received (its CLUES is clues).' })
  async establishment(@Root() r: Receipt, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentByClues.load(r.clues))!;
  }
}
