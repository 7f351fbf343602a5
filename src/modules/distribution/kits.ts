import { EntityManager } from 'typeorm';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { ErrorCode, fail, UserError, userError, UserInputError } from '../../base/errors';
import { runMutation } from '../../db/mutation';
import { addDays } from '../../domain/dates';
import { LEVEL_OF_CARE_LABEL } from '../../domain/enums';
import {
  KIT_SIZE_SOURCE_LABEL,
  KitSize,
  KitSizeRule,
  KitSizeRuleSetInput,
  KitSizeRuleSetSchema,
  KitSizeSource,
  KitsPerMonthSetInput,
  KitsPerMonthSetSchema,
  KitTemplate,
  KitTemplateCreateInput,
  KitTemplateCreateSchema,
} from './distribution.types';

type Db = Pick<EntityManager, 'query'>;

const TEMPLATE_SELECT = `
  SELECT t.id, t.code, t.version, t.name, t.level_of_care AS "levelOfCare", t.valid_from::text AS "validFrom", t.valid_to::text AS "validTo",
         coalesce((SELECT json_agg(json_build_object('clave', s.clave, 'pieces', l.pieces, 'supplyItemId', s.id) ORDER BY s.clave)
                     FROM kit_template_line l JOIN supply_item s ON s.id = l.supply_item_id WHERE l.template_id = t.id), '[]') AS lines
    FROM kit_template t`;

const toTemplate = (row: Record<string, unknown>): KitTemplate => Object.assign(new KitTemplate(), row);

/** Every version of the kits, newest first per code; or one code's. */
export async function kitTemplates(db: Db, code?: string | null): Promise<KitTemplate[]> {
  const rows = await db.query(`${TEMPLATE_SELECT} WHERE ($1::text IS NULL OR t.code = $1) ORDER BY t.code, t.version DESC`, [code?.trim().toUpperCase() ?? null]);
  return rows.map(toTemplate);
}

/** The version of a kit in force on a day (the latest such version), or null. */
export async function kitTemplateInForce(db: Db, code: string, day: string): Promise<KitTemplate | null> {
  const [row] = await db.query(
    `${TEMPLATE_SELECT} WHERE t.code = $1 AND t.valid_from <= $2::date AND (t.valid_to IS NULL OR t.valid_to >= $2::date) ORDER BY t.version DESC LIMIT 1`,
    [code, day],
  );
  return row ? toTemplate(row) : null;
}

export async function kitTemplatesByIds(db: Db, ids: readonly number[]): Promise<KitTemplate[]> {
  const rows = await db.query(`${TEMPLATE_SELECT} WHERE t.id = ANY ($1::int[])`, [ids]);
  return rows.map(toTemplate);
}

/**
 * A new version of a kit: every clave known and authorised for the kit's level of care, at least one
 * line, no clave twice. The previous version, if still open on validFrom, ends the day before; a new
 * version may not start before the previous one did.
 */
export function createKitTemplate(ctx: Context, raw: KitTemplateCreateInput): Promise<KitTemplate> {
  return runMutation(
    ctx,
    {
      operation: 'kitTemplateCreate',
      schema: KitTemplateCreateSchema,
      raw,
      scope: { roles: Roles.national },
      check: (input) => {
        const errors: UserError[] = [];
        if (!input.lines.length) errors.push(userError('NO_LINES', ['lines'], 'El kit no tiene claves: agregue al menos una con sus piezas por kit.'));
        if (input.validTo && input.validTo < input.validFrom) errors.push(userError(ErrorCode.INCONSISTENT, ['validTo'], 'La vigencia termina antes de empezar.'));
        const seen = new Set<string>();
        input.lines.forEach((l, i) => {
          if (seen.has(l.clave)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], `La clave ${l.clave} se repite.`));
          seen.add(l.clave);
        });
        if (errors.length) throw new UserInputError(errors);
      },
    },
    async (em, input, meta) => {
      // one version at a time per code: concurrent creations of the same code queue here
      await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kit_template:${input.code}`]);
      const items: Array<{ id: number; clave: string; authorized: boolean }> = await em.query(
        `SELECT id, clave, $2 = ANY (authorized_levels) AS authorized FROM supply_item WHERE clave = ANY ($1::text[])`,
        [input.lines.map((l) => l.clave), input.levelOfCare],
      );
      const byClave = new Map(items.map((i) => [i.clave, i]));
      const errors: UserError[] = [];
      input.lines.forEach((l, i) => {
        const item = byClave.get(l.clave);
        if (!item) errors.push(userError(ErrorCode.UNKNOWN_CLAVE, ['lines', i, 'clave'], `No existe la clave ${l.clave}.`));
        else if (!item.authorized) {
          errors.push(userError('NOT_AUTHORIZED_FOR_LEVEL', ['lines', i, 'clave'], `La clave ${l.clave} no está autorizada para el ${LEVEL_OF_CARE_LABEL[input.levelOfCare]}.`));
        }
      });
      const [last] = await em.query('SELECT id, version, valid_from::text AS "validFrom", valid_to::text AS "validTo" FROM kit_template WHERE code = $1 ORDER BY version DESC LIMIT 1', [input.code]);
      if (last && input.validFrom <= last.validFrom) {
        errors.push(userError(ErrorCode.INCONSISTENT, ['validFrom'], `La versión ${last.version} de ${input.code} empieza el ${last.validFrom}; la nueva debe empezar después.`));
      }
      if (errors.length) throw new UserInputError(errors);
      if (last && (last.validTo === null || last.validTo >= input.validFrom)) {
        await em.query('UPDATE kit_template SET valid_to = $2 WHERE id = $1', [last.id, addDays(input.validFrom, -1)]);
      }
      const [{ id }] = await em.query(
        `INSERT INTO kit_template (code, version, name, level_of_care, valid_from, valid_to, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [input.code, (last?.version ?? 0) + 1, input.name, input.levelOfCare, input.validFrom, input.validTo ?? null, meta.actor],
      );
      await em.query(
        `INSERT INTO kit_template_line (template_id, supply_item_id, pieces) SELECT $1, s.id, l.pieces
           FROM unnest($2::text[], $3::int[]) AS l(clave, pieces) JOIN supply_item s ON s.clave = l.clave`,
        [id, input.lines.map((l) => l.clave), input.lines.map((l) => l.pieces)],
      );
      return (await kitTemplatesByIds(em, [id]))[0];
    },
  );
}

/** Kits a month of establishments, with where the figure comes from (view establishment_kits). */
export async function kitSizes(db: Db, establishmentIds: readonly number[]): Promise<Map<number, KitSize>> {
  const rows: Array<{ id: number; kits: number; source: KitSizeSource; typology: string | null; reason: string | null }> = await db.query(
    `SELECT k.establishment_id AS id, k.kits, k.source, e.typology_name AS typology, o.reason
       FROM establishment_kits k JOIN establishment e ON e.id = k.establishment_id
       LEFT JOIN kit_size_override o ON o.establishment_id = k.establishment_id
      WHERE k.establishment_id = ANY ($1::int[])`,
    [establishmentIds],
  );
  return new Map(rows.map((r) => [r.id, kitSizeOf(r.kits, r.source, r.typology, r.reason)]));
}

export function kitSizeOf(kits: number, source: KitSizeSource, typology: string | null, reason: string | null): KitSize {
  const detail = source === KitSizeSource.OVERRIDE ? reason : source === KitSizeSource.DEFAULT ? null : typology;
  return { kits, source, explanation: `${kits} ${kits === 1 ? 'kit' : 'kits'}: ${KIT_SIZE_SOURCE_LABEL[source]}${detail ? ` (${detail})` : ''}` };
}

/** A unit's kits a month, fixed by hand (null: back to the rule). Central anywhere, a coordinator in its state. */
export function setKitsPerMonth(ctx: Context, raw: KitsPerMonthSetInput): Promise<KitSize> {
  return runMutation(
    ctx,
    {
      operation: 'kitsPerMonthSet',
      schema: KitsPerMonthSetSchema,
      raw,
      scope: (input) => ({ roles: Roles.registryWriters, clues: input.clues }),
    },
    async (em, input, meta) => {
      const [est] = await em.query('SELECT id FROM establishment WHERE clues = $1', [input.clues]);
      if (!est) fail(ErrorCode.UNKNOWN_CLUES, ['clues'], `No existe la CLUES ${input.clues}.`);
      if (input.kits === null || input.kits === undefined) {
        await em.query('DELETE FROM kit_size_override WHERE establishment_id = $1', [est.id]);
      } else {
        await em.query(
          `INSERT INTO kit_size_override (establishment_id, kits_per_month, reason, set_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (establishment_id) DO UPDATE SET kits_per_month = EXCLUDED.kits_per_month, reason = EXCLUDED.reason, set_at = now(), set_by = EXCLUDED.set_by`,
          [est.id, input.kits, input.reason, meta.actor],
        );
      }
      return (await kitSizes(em, [est.id])).get(est.id)!;
    },
  );
}

/** Kits a month for a DGIS typology (null: back to its núcleos básicos). Central only. */
export function setKitSizeRule(ctx: Context, raw: KitSizeRuleSetInput): Promise<KitSizeRule> {
  return runMutation(ctx, { operation: 'kitSizeRuleSet', schema: KitSizeRuleSetSchema, raw, scope: { roles: Roles.national } }, async (em, input, meta) => {
    const [known] = await em.query('SELECT 1 FROM establishment WHERE typology_code = $1 LIMIT 1', [input.typologyCode]);
    if (!known) fail('UNKNOWN_TYPOLOGY', ['typologyCode'], `Ningún establecimiento del registro tiene la tipología ${input.typologyCode}; use la CLAVE DE TIPOLOGIA de la DGIS.`);
    if (input.kits === null || input.kits === undefined) await em.query('DELETE FROM kit_size_rule WHERE typology_code = $1', [input.typologyCode]);
    else {
      await em.query(
        `INSERT INTO kit_size_rule (typology_code, kits_per_month, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (typology_code) DO UPDATE SET kits_per_month = EXCLUDED.kits_per_month, updated_at = now(), updated_by = EXCLUDED.updated_by`,
        [input.typologyCode, input.kits, meta.actor],
      );
    }
    return { typologyCode: input.typologyCode, kits: input.kits ?? null };
  });
}
