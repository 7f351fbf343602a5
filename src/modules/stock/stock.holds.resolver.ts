import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { payload } from '../../base/errors';
import { Role } from '../../domain/enums';
import { heldLotsAt, holdsFor, releaseHold, setHold } from './stock.holds';
import { HeldLot, LotHold, LotHolder, LotHoldPayload, LotHoldReleaseInput, LotHoldSetInput } from './stock.holds.types';
import { readableLocation } from './stock.read';

@Resolver(() => LotHold)
export class LotHoldResolver {
  @Authorized(Roles.anyone)
  @Query(() => [LotHold], {
    description: 'Lot holds (alertas sanitarias) in the caller\'s reach, newest first: open ones unless `all`; of one clave or lot when named. Central every hold; a coordinator those reaching its state; a warehouse or unit those reaching it.',
  })
  lotHolds(
    @Ctx() ctx: Context,
    @Arg('all', () => Boolean, { nullable: true }) all?: boolean | null,
    @Arg('clave', () => String, { nullable: true }) clave?: string | null,
    @Arg('lotNumber', () => String, { nullable: true }) lotNumber?: string | null,
  ): Promise<LotHold[]> {
    return holdsFor(ctx, { all, clave, lotNumber });
  }

  @Authorized(Roles.anyone)
  @Query(() => [HeldLot], { description: 'The held lots at one CLUES with their pieces and the alert: what the stock page shows first.' })
  async heldLots(@Ctx() ctx: Context, @Arg('clues') clues: string): Promise<HeldLot[]> {
    const at = await readableLocation(ctx, clues);
    return heldLotsAt(ctx.db, at.id);
  }

  @Authorized([Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR])
  @Mutation(() => LotHoldPayload, {
    description: 'Holds a lot after an alerta sanitaria: from the commit on, its pieces are not usable, FEFO skips them and a dispatch, consumption or dispensing that names them is refused (LOT_ON_HOLD). Central for the network or a state; a coordinator for its state.',
  })
  lotHoldSet(@Arg('input') input: LotHoldSetInput, @Ctx() ctx: Context) {
    return payload('hold', () => setHold(ctx, input));
  }

  @Authorized([Role.ADMIN, Role.CENTRAL, Role.STATE_COORDINATOR])
  @Mutation(() => LotHoldPayload, { description: 'Releases a lot\'s open hold in the caller\'s reach, with the reason: usable again, the hold kept with its release.' })
  lotHoldRelease(@Arg('input') input: LotHoldReleaseInput, @Ctx() ctx: Context) {
    return payload('hold', () => releaseHold(ctx, input));
  }

  @FieldResolver(() => [LotHolder], { description: 'Who must act: the locations in the hold\'s reach still holding pieces of the lot (or with pieces on the road to them), most first; those in the caller\'s scope.' })
  holders(@Root() h: LotHold, @Ctx() ctx: Context): Promise<LotHolder[]> {
    return ctx.loaders.lotHolders.load({ hold: h, viewer: viewerOf(ctx) });
  }
}
