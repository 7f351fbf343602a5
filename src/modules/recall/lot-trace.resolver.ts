import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { ExportFile } from '../procurement/procurement.types';
import { lotTrace } from './lot-trace';
import { lotTraceFile } from './lot-trace-export';
import { LotTrace } from './recall.types';
import { holdsFor } from '../stock/stock.holds';
import { LotHold } from '../stock/stock.holds.types';

@Resolver(() => LotTrace)
export class LotTraceResolver {
  @Authorized(Roles.anyone)
  @Query(() => LotTrace, {
    nullable: true,
    description:
      'Where a lot went (rastreo de lote, for an alerta sanitaria): every CLUES it reached with what became of its pieces there, and every movement in order. In the caller\'s scope: all for national roles, its state for a coordinator, itself for a warehouse or unit. UNKNOWN_CLAVE, UNKNOWN_LOT, LOT_OF_OTHER_CLAVE.',
  })
  lotTrace(@Ctx() ctx: Context, @Arg('clave') clave: string, @Arg('lotNumber') lotNumber: string): Promise<LotTrace> {
    return lotTrace(ctx, clave, lotNumber);
  }

  @Authorized(Roles.anyone)
  @Query(() => ExportFile, { nullable: true, description: 'lotTrace as an XLSX workbook (Spanish): a sheet of places with their total, a sheet of movements.' })
  async lotTraceExport(@Ctx() ctx: Context, @Arg('clave') clave: string, @Arg('lotNumber') lotNumber: string): Promise<ExportFile> {
    return lotTraceFile(await lotTrace(ctx, clave, lotNumber));
  }

  @FieldResolver(() => [LotHold], { description: 'The lot\'s holds in the caller\'s reach, open and released, newest first (lotHoldSet).' })
  holds(@Root() t: LotTrace, @Ctx() ctx: Context): Promise<LotHold[]> {
    return holdsFor(ctx, { all: true, clave: t.clave, lotNumber: t.lotNumber });
  }
}
