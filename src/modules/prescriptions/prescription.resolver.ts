import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { Establishment } from '../registry/establishment.entity';
import { payload } from '../../base/errors';
import { dispense, prescriptionAt } from './prescription.service';
import { Prescription, PrescriptionDispenseInput, PrescriptionPayload } from './prescription.types';

@Resolver(() => Prescription)
export class PrescriptionResolver {
  @Authorized(Roles.anyone)
  @Query(() => Prescription, { nullable: true, description: 'A prescription by CLUES and folio (in the caller’s scope).' })
  prescription(@Arg('clues') clues: string, @Arg('folio') folio: string, @Ctx() ctx: Context) {
    return prescriptionAt(ctx, clues, folio);
  }

  @Authorized(Roles.stockWriters)
  @Mutation(() => PrescriptionPayload, { description: 'Dispenses a prescription: DISPENSE movements from FEFO lots, never beyond usable stock.' })
  prescriptionDispense(@Arg('input') input: PrescriptionDispenseInput, @Ctx() ctx: Context) {
    return payload('prescription', () => dispense(ctx, input));
  }

  @FieldResolver(() => Establishment, { description: 'The dispensing establishment (its CLUES is clues).' })
  async establishment(@Root() p: Prescription, @Ctx() ctx: Context): Promise<Establishment> {
    return (await ctx.loaders.establishmentByClues.load(p.clues))!;
  }
}
