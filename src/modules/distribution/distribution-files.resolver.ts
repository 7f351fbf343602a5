import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { businessDay } from '../../domain/dates';
import { ExportFile, ExportFormat } from '../procurement/procurement.types';
import { kitTemplatesFile } from './distribution-files';

@Resolver()
export class KitTemplateFilesResolver {
  @Authorized(Roles.anyone)
  @Query(() => ExportFile, {
    description:
      'Kits of Rutas de la Salud as a CSV or XLSX file in the layout npm run import:kits reads (KIT, NOMBRE, NIVEL, VIGENTE_DESDE, VIGENTE_HASTA, CLAVE, DESCRIPCION, PIEZAS_POR_KIT; one row per clave): the versions not yet ended (in force today or starting later), or every version with allVersions; one code\'s with code. DESCRIPCION is for reading: the import ignores it.',
  })
  async kitTemplatesExport(
    @Arg('code', () => String, { nullable: true }) code: string | null | undefined,
    @Arg('allVersions', () => Boolean, { nullable: true }) allVersions: boolean | null | undefined,
    @Arg('format', () => ExportFormat) format: ExportFormat,
    @Ctx() ctx: Context,
  ): Promise<ExportFile> {
    const file = await kitTemplatesFile(ctx.db, { code, allVersions, today: businessDay() }, format);
    return { filename: file.filename, mimeType: file.mimeType, rows: file.rows, contentBase64: file.content.toString('base64') };
  }
}
