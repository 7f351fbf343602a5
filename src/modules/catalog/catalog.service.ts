import { SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { givenColumns, insertRow, updateRow } from '../../db/sql';
import { inTransaction } from '../../db/transaction';
import { kindOfClaveGroup } from '../../domain/clave';
import { LevelOfCare, SupplyKind } from '../../domain/enums';
import { Context } from '../../base/context';
import { ErrorCode, UserError, userError, UserInputError } from '../../base/errors';
import { Connection, PageArgs, pageRequest, paginate } from '../../base/relay';
import { claveField, parseInput, text } from '../../base/validation';
import { foldForSearch } from '../registry/registry.service';
import { SupplyItemFilter, SupplyItemUpsertInput } from './catalog.inputs';
import { SupplyItem } from './supply-item.entity';

const year = z.number().int().min(1990).max(2200);

const upsertSchema = z.object({
  clave: claveField,
  description: text(500).optional().nullable(),
  kind: z.nativeEnum(SupplyKind).optional().nullable(),
  presentation: z.string().trim().max(500).optional().nullable(),
  piecesPerPackage: z.number().int().min(1).max(1_000_000).optional().nullable(),
  highCost: z.boolean().optional().nullable(),
  coldChain: z.boolean().optional().nullable(),
  authorizedLevels: z.array(z.nativeEnum(LevelOfCare)).max(3).optional().nullable(),
  authorizedFromYear: year.optional().nullable(),
  authorizedToYear: year.optional().nullable(),
});

const COLUMNS: Record<string, string> = {
  description: 'description',
  kind: 'kind',
  presentation: 'presentation',
  piecesPerPackage: 'pieces_per_package',
  highCost: 'high_cost',
  coldChain: 'cold_chain',
  authorizedLevels: 'authorized_levels',
  authorizedFromYear: 'authorized_from_year',
  authorizedToYear: 'authorized_to_year',
};

/** Fields that are NOT NULL in the table: null in the input means "leave as is". */
const NOT_NULL = new Set(['description', 'kind', 'piecesPerPackage', 'highCost', 'coldChain', 'authorizedLevels']);

const LEVEL_ORDER = [LevelOfCare.FIRST, LevelOfCare.SECOND, LevelOfCare.THIRD];

export async function upsertSupplyItem(ctx: Context, raw: SupplyItemUpsertInput): Promise<SupplyItem> {
  const input = parseInput(upsertSchema, raw);
  return inTransaction(ctx.db, async (em) => {
    const [existing] = await em.query(
      'SELECT id, kind, authorized_from_year AS "from", authorized_to_year AS "to" FROM supply_item WHERE clave = $1 FOR UPDATE',
      [input.clave],
    );
    const errors: UserError[] = [];
    if (!existing) {
      if (!input.description) errors.push(userError(ErrorCode.REQUIRED, ['description'], 'La descripción es obligatoria al dar de alta una clave.'));
      if (!input.kind) errors.push(userError(ErrorCode.REQUIRED, ['kind'], 'El tipo de insumo es obligatorio al dar de alta una clave.'));
    }
    const kind = input.kind ?? existing?.kind;
    const groupKind = kindOfClaveGroup(input.clave);
    if (kind && groupKind && kind !== groupKind) {
      errors.push(userError(ErrorCode.INCONSISTENT, ['kind'], `El grupo ${input.clave.slice(0, 3)} de la clave corresponde a ${groupKind}, no a ${kind}.`));
    }
    const from = input.authorizedFromYear !== undefined ? input.authorizedFromYear : existing?.from;
    const to = input.authorizedToYear !== undefined ? input.authorizedToYear : existing?.to;
    if (from != null && to != null && from > to) {
      errors.push(userError(ErrorCode.INCONSISTENT, ['authorizedToYear'], 'El año final de la autorización es anterior al inicial.'));
    }
    if (errors.length) throw new UserInputError(errors);

    const values = givenColumns(input, COLUMNS, (field, value) => value !== null || !NOT_NULL.has(field));
    if (values.authorized_levels) values.authorized_levels = LEVEL_ORDER.filter((l) => (values.authorized_levels as LevelOfCare[]).includes(l));
    if (existing) {
      await updateRow(em, 'supply_item', existing.id, values);
    } else {
      values.clave = input.clave;
      await insertRow(em, 'supply_item', 'clave', values);
    }
    return em.getRepository(SupplyItem).findOneByOrFail({ clave: input.clave });
  });
}

function filtered(ctx: Context, filter: SupplyItemFilter | null | undefined): SelectQueryBuilder<SupplyItem> {
  const qb = ctx.db.getRepository(SupplyItem).createQueryBuilder('s');
  if (filter?.claves) qb.andWhere('s.clave = ANY(:claves)', { claves: filter.claves.map((c) => c.trim()) });
  if (filter?.kinds) qb.andWhere('s.kind = ANY(:kinds)', { kinds: filter.kinds });
  if (filter?.highCost != null) qb.andWhere('s.high_cost = :highCost', { highCost: filter.highCost });
  if (filter?.coldChain != null) qb.andWhere('s.cold_chain = :coldChain', { coldChain: filter.coldChain });
  if (filter?.authorizedFor) qb.andWhere(':level = ANY(s.authorized_levels)', { level: filter.authorizedFor });
  if (filter?.authorizedInYear != null) {
    qb.andWhere('coalesce(s.authorized_from_year, 0) <= :year AND coalesce(s.authorized_to_year, 9999) >= :year', {
      year: filter.authorizedInYear,
    });
  }
  if (filter?.search?.trim()) qb.andWhere('s.search_text LIKE :search', { search: `%${foldForSearch(filter.search)}%` });
  return qb;
}

export function listSupplyItems(ctx: Context, filter: SupplyItemFilter | null | undefined, page: PageArgs): Promise<Connection<SupplyItem>> {
  return paginate(
    pageRequest<string>(page),
    async (after, limit) => {
      const qb = filtered(ctx, filter).orderBy('s.clave').limit(limit);
      if (after !== undefined) qb.andWhere('s.clave > :after', { after });
      return qb.getMany();
    },
    (s) => s.clave,
    () => filtered(ctx, filter).getCount(),
  );
}

