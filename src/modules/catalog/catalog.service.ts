import { SelectQueryBuilder } from 'typeorm';
import { runMutation } from '../../db/mutation';
import { givenColumns, insertRow, updateRow } from '../../db/sql';
import { kindOfClaveGroup } from '../../domain/clave';
import { LevelOfCare, SUPPLY_KIND_LABEL, SupplyKind } from '../../domain/enums';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { badRequest, ErrorCode, fail, UserError, userError, UserInputError } from '../../base/errors';
import { gtinProblemMessage, normalizeGtin } from '../../domain/gtin';
import { Role } from '../../domain/enums';
import { Connection, PageArgs, pageRequest, paginate } from '../../base/relay';
import { foldForSearch } from '../registry/registry.service';
import { SupplyItemFilter, SupplyItemGtinLinkInput, SupplyItemGtinLinkSchema, SupplyItemUpsertInput, SupplyItemUpsertSchema } from './catalog.inputs';
import { SupplyItem } from './supply-item.entity';

const COLUMNS: Record<string, string> = {
  description: 'description',
  kind: 'kind',
  presentation: 'presentation',
  piecesPerPackage: 'pieces_per_package',
  highCost: 'high_cost',
  coldChain: 'cold_chain',
  authorizedLevels: 'authorized_levels',
  authorizedTypologies: 'authorized_typologies',
  authorizedFromYear: 'authorized_from_year',
  authorizedToYear: 'authorized_to_year',
};

/** Fields that are NOT NULL in the table: null in the input means "leave as is". */
const NOT_NULL = new Set(['description', 'kind', 'piecesPerPackage', 'highCost', 'coldChain', 'authorizedLevels', 'authorizedTypologies']);

const LEVEL_ORDER = [LevelOfCare.FIRST, LevelOfCare.SECOND, LevelOfCare.THIRD];

export async function upsertSupplyItem(ctx: Context, raw: SupplyItemUpsertInput): Promise<SupplyItem> {
  return runMutation(
    ctx,
    {
      operation: 'supplyItemUpsert',
      schema: SupplyItemUpsertSchema,
      raw,
      scope: { roles: Roles.catalogWriters },
      locate: async (em, input) => {
        const [existing] = await em.query(
          'SELECT id, kind, authorized_from_year AS "from", authorized_to_year AS "to" FROM supply_item WHERE clave = $1 FOR UPDATE',
          [input.clave],
        );
        return existing as { id: number; kind: SupplyKind; from: number | null; to: number | null } | undefined;
      },
    },
    async (em, input, _meta, existing) => {
      const errors: UserError[] = [];
      if (!existing) {
        if (!input.description) errors.push(userError(ErrorCode.REQUIRED, ['description'], 'La descripción es obligatoria al dar de alta una clave.'));
        if (!input.kind) errors.push(userError(ErrorCode.REQUIRED, ['kind'], 'El tipo de insumo es obligatorio al dar de alta una clave.'));
      }
      const kind = input.kind ?? existing?.kind;
      const groupKind = kindOfClaveGroup(input.clave);
      if (kind && groupKind && kind !== groupKind) {
        errors.push(userError(ErrorCode.INCONSISTENT, ['kind'], `El grupo ${input.clave.slice(0, 3)} de la clave corresponde a ${SUPPLY_KIND_LABEL[groupKind]}, no a ${SUPPLY_KIND_LABEL[kind]}.`));
      }
      const from = input.authorizedFromYear !== undefined ? input.authorizedFromYear : existing?.from;
      const to = input.authorizedToYear !== undefined ? input.authorizedToYear : existing?.to;
      if (from != null && to != null && from > to) {
        errors.push(userError(ErrorCode.INCONSISTENT, ['authorizedToYear'], 'El año final de la autorización es anterior al inicial.'));
      }
      if (input.authorizedTypologies?.length) {
        const known: Array<{ code: string }> = await em.query('SELECT DISTINCT typology_code AS code FROM establishment WHERE typology_code = ANY ($1::text[])', [input.authorizedTypologies]);
        const unknown = input.authorizedTypologies.filter((t) => !known.some((k) => k.code === t));
        if (unknown.length) {
          errors.push(userError('UNKNOWN_TYPOLOGY', ['authorizedTypologies'], `Ningún establecimiento del registro tiene la tipología ${unknown.join(', ')}; use la CLAVE DE TIPOLOGIA de la DGIS.`));
        }
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
    },
  );
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
  if (filter?.gtin != null) {
    const parsed = normalizeGtin(filter.gtin.trim());
    if (!parsed.ok) throw badRequest(ErrorCode.INVALID_GTIN, gtinProblemMessage(parsed.problem, filter.gtin.trim()));
    qb.andWhere('s.id IN (SELECT g.supply_item_id FROM supply_item_gtin g WHERE g.gtin = :gtin)', { gtin: parsed.gtin });
  }
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


/** Who may link a GTIN to a clave: the warehouse receiving the box, and central. */
export const GTIN_LINKERS = [Role.ADMIN, Role.CENTRAL, Role.WAREHOUSE] as const;

/**
 * Links a GTIN to a clave, once and for all: a GTIN belongs to one clave (a clave may have several).
 * The same pair again changes nothing and answers the clave; a GTIN linked to another clave is refused
 * (GTIN_LINKED_ELSEWHERE, naming it) — unlinking is for central, by hand, not a scan's side effect.
 */
export async function linkGtin(ctx: Context, raw: SupplyItemGtinLinkInput): Promise<SupplyItem> {
  return runMutation(ctx, { operation: 'supplyItemGtinLink', schema: SupplyItemGtinLinkSchema, raw, scope: { roles: GTIN_LINKERS } }, async (em, input, meta) => {
    const [item] = await em.query('SELECT id FROM supply_item WHERE clave = $1', [input.clave]);
    if (!item) fail(ErrorCode.UNKNOWN_CLAVE, ['clave'], `No existe la clave ${input.clave} en el catálogo: revise la clave.`);
    const inserted = await em.query(
      'INSERT INTO supply_item_gtin (gtin, supply_item_id, linked_by) VALUES ($1, $2, $3) ON CONFLICT (gtin) DO NOTHING RETURNING gtin',
      [input.gtin, item.id, meta.actor],
    );
    if (inserted.length === 0) {
      const [linked] = await em.query(
        'SELECT g.supply_item_id AS id, s.clave FROM supply_item_gtin g JOIN supply_item s ON s.id = g.supply_item_id WHERE g.gtin = $1',
        [input.gtin],
      );
      if (linked.id !== item.id) {
        fail(
          ErrorCode.GTIN_LINKED_ELSEWHERE,
          ['gtin'],
          `El GTIN ${input.gtin} ya está ligado a la clave ${linked.clave}. Si la caja dice otra clave, avise a la Coordinación de Abasto para que lo corrija.`,
        );
      }
    }
    return em.getRepository(SupplyItem).findOneByOrFail({ pk: item.id });
  });
}
