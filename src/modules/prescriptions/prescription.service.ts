import { EntityManager } from 'typeorm';
import { Roles } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, ErrorCode, forbidden, gather, throwIfAny, UserError, userError } from '../../base/errors';
import { runMutation } from '../../db/mutation';
import { normalizeClues } from '../../domain/clues';
import { businessDay } from '../../domain/dates';
import { requireEstablishment } from '../registry/registry.queries';
import { writeMovements } from '../stock/ledger';
import { takeOut } from '../stock/stock.lots';
import { MovementKind } from '../stock/stock.types';
import { Prescription, PrescriptionDispenseInput, PrescriptionDispenseSchema } from './prescription.types';

/** Dispensing a prescription (receta): DISPENSE movements from the lots that expire first, and the fill it had. */

/** One prescription with its lines, by a condition over `p` (the prescription) and `e` (its establishment). */
export async function prescriptionWhere(em: EntityManager, where: string, params: unknown[]): Promise<Prescription | null> {
  const [p] = await em.query(
    `SELECT p.id AS pk, e.clues, p.folio, p.issued_on::text AS "issuedOn", p.establishment_id AS "establishmentId", p.idempotency_key AS "key"
       FROM prescription p JOIN establishment e ON e.id = p.establishment_id WHERE ${where}`,
    params,
  );
  if (!p) return null;
  // The lots come from the ledger: the DISPENSE movements the prescription wrote carry its idempotency key
  // (and a reversal of one of them takes its pieces back off the line).
  const lines = await em.query(
    `SELECT s.clave, l.prescribed, l.dispensed,
            coalesce((SELECT json_agg(json_build_object('lotNumber', t.lot_number, 'expiresOn', t.expires_on, 'quantity', t.quantity) ORDER BY t.expires_on NULLS LAST, t.lot_number)
                        FROM (SELECT lo.lot_number, lo.expires_on::text AS expires_on, -sum(m.quantity + coalesce(r.quantity, 0))::int AS quantity
                                FROM stock_movement m JOIN lot lo ON lo.id = m.lot_id
                                LEFT JOIN stock_movement r ON r.reverses_id = m.id
                               WHERE m.idempotency_key = $2 AND m.establishment_id = $3 AND m.kind = 'DISPENSE' AND m.supply_item_id = l.supply_item_id
                               GROUP BY lo.lot_number, lo.expires_on) t
                       WHERE t.quantity > 0), '[]'::json) AS lots
       FROM prescription_line l JOIN supply_item s ON s.id = l.supply_item_id WHERE l.prescription_id = $1 ORDER BY s.clave`,
    [p.pk, p.key, p.establishmentId],
  );
  delete p.key;
  delete p.establishmentId;
  return Object.assign(new Prescription(), p, { lines });
}

export async function dispense(ctx: Context, raw: PrescriptionDispenseInput): Promise<Prescription> {
  return runMutation(
    ctx,
    {
      operation: 'prescriptionDispense',
      schema: PrescriptionDispenseSchema,
      raw,
      scope: (input) => ({ roles: Roles.stockWriters, clues: input.clues }),
      idempotencyKey: (input) => input.idempotencyKey,
      locate: (em, input) => requireEstablishment(em, input.clues),
    },
    async (em, input, meta, est) => {
      const errors: UserError[] = [];
      const seen = new Set<string>();
      input.lines.forEach((l, i) => {
        if (l.dispensed > l.prescribed) errors.push(userError('EXCEEDS_PRESCRIBED', ['lines', i, 'dispensed'], `Se recetaron ${l.prescribed} piezas; no se pueden surtir ${l.dispensed}.`));
        if (seen.has(l.clave)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], `La clave ${l.clave} se repite.`));
        seen.add(l.clave);
      });
      const [dup] = await em.query('SELECT 1 FROM prescription WHERE establishment_id = $1 AND folio = $2', [est.id, input.folio]);
      if (dup) errors.push(userError('DUPLICATE_FOLIO', ['folio'], `El folio ${input.folio} ya se registró en ${input.clues}.`));
      const items: Array<{ id: number; clave: string }> = await em.query('SELECT id, clave FROM supply_item WHERE clave = ANY ($1::text[])', [input.lines.map((l) => l.clave)]);
      // Lines with nothing dispensed take nothing; indexes stay those of the input for the errors. Unknown
      // claves (UNKNOWN_CLAVE) and short stock join the problems above: every one is answered at once.
      const drafts = await gather(errors, () =>
        takeOut(
          em,
          est.id,
          input.lines.map((l) => ({ clave: l.clave, quantity: l.dispensed, lotNumber: l.dispensed > 0 ? l.lotNumber : null })),
          businessDay(),
          (_line, lot, quantity, i) => ({
            field: ['lines', i, 'dispensed'],
            establishmentId: est.id,
            supplyItemId: lot.supplyItemId,
            lotId: lot.lotId,
            quantity: -quantity,
            kind: MovementKind.DISPENSE,
            document: `receta ${input.folio}`,
            occurredAt: null, // when it is written
          }),
          'dispensed',
        ),
      );
      throwIfAny(errors);
      const complete = input.lines.every((l) => l.dispensed >= l.prescribed);
      const [p] = await em.query(
        `INSERT INTO prescription (establishment_id, folio, issued_on, actor, idempotency_key, complete) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [est.id, input.folio, input.issuedOn, meta.actor, meta.idempotencyKey, complete],
      );
      await em.query(
        `INSERT INTO prescription_line (prescription_id, supply_item_id, prescribed, dispensed) SELECT $1, * FROM unnest($2::int[], $3::int[], $4::int[])`,
        [p.id, input.lines.map((l) => items.find((x) => x.clave === l.clave)!.id), input.lines.map((l) => l.prescribed), input.lines.map((l) => l.dispensed)],
      );
      await writeMovements(em, meta, drafts!);
      return (await prescriptionWhere(em, 'p.id = $1', [p.id]))!;
    },
    async (em, _input, meta) => (await prescriptionWhere(em, 'p.actor = $1 AND p.idempotency_key = $2', [meta.actor, meta.idempotencyKey]))!,
  );
}

/** A prescription by CLUES and folio, in the caller's scope (FORBIDDEN outside it, whether it exists or not). */
export async function prescriptionAt(ctx: Context, rawClues: string, folio: string): Promise<Prescription | null> {
  const clues = normalizeClues(rawClues);
  if (!viewerOf(ctx).covers(clues)) throw forbidden();
  if (!(await ctx.loaders.establishmentByClues.load(clues))) throw badRequest('UNKNOWN_CLUES', `No existe la CLUES ${clues}.`);
  return prescriptionWhere(ctx.db.manager, 'e.clues = $1 AND p.folio = $2', [clues, folio.trim()]);
}
