import { EntityManager } from 'typeorm';
import { allocateFefo, isUsableOn } from '../../domain/stock';
import { ErrorCode, fail, UserError, userError, UserInputError } from '../../base/errors';
import { LockedLot, lockItemLots, MovementDraft } from './ledger';
import { onHoldMessage } from './stock.holds';

/** Lots and claves as the stock mutations find them: by clave, by lot number, or FEFO under the balances' locks. */

export const unknownClave = (i: number | Array<string | number>, clave: string) =>
  userError(ErrorCode.UNKNOWN_CLAVE, [...(Array.isArray(i) ? i : ['lines', i]), 'clave'], `No existe la clave ${clave} en el catálogo.`);

/**
 * A line of a request, as the stock helpers take it: `field` is where its errors point (default
 * ["lines", its index]) — a line a use case built itself points at the input field that asked for it.
 */
export interface LineAt {
  clave: string;
  field?: Array<string | number>;
}

const fieldOf = (line: LineAt, i: number): Array<string | number> => line.field ?? ['lines', i];

/** Supply item ids of the claves of some lines; unknown claves are user errors at their line. */
export async function resolveClaves(em: EntityManager, lines: LineAt[], errors: UserError[]): Promise<Map<string, number>> {
  const rows: Array<{ id: number; clave: string }> = await em.query('SELECT id, clave FROM supply_item WHERE clave = ANY($1::text[])', [
    [...new Set(lines.map((l) => l.clave))],
  ]);
  const ids = new Map(rows.map((r) => [r.clave, r.id]));
  lines.forEach((l, i) => {
    if (!ids.has(l.clave)) errors.push(unknownClave(fieldOf(l, i), l.clave));
  });
  return ids;
}

export interface LotRow {
  id: number;
  supplyItemId: number;
  lotNumber: string;
  expiresOn: string | null;
}

export async function findLots(em: EntityManager, pairs: Array<{ supplyItemId: number; lotNumber: string }>): Promise<Map<string, LotRow>> {
  const rows: Array<{ id: number; supply_item_id: number; lot_number: string; expires_on: string | null }> = await em.query(
    `SELECT l.id, l.supply_item_id, l.lot_number, l.expires_on::text AS expires_on
       FROM lot l JOIN unnest($1::int[], $2::text[]) AS p(item, num) ON l.supply_item_id = p.item AND l.lot_number = p.num`,
    [pairs.map((p) => p.supplyItemId), pairs.map((p) => p.lotNumber)],
  );
  return new Map(rows.map((r) => [lotKey(r.supply_item_id, r.lot_number), { id: r.id, supplyItemId: r.supply_item_id, lotNumber: r.lot_number, expiresOn: r.expires_on }]));
}

export const lotKey = (supplyItemId: number, lotNumber: string) => `${supplyItemId}|${lotNumber}`;

export function duplicateLines<L>(lines: L[], keyOf: (l: L) => string, errors: UserError[]): void {
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    const key = keyOf(l);
    if (seen.has(key)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], 'Línea repetida: junte las piezas del mismo lote en una sola línea.'));
    seen.add(key);
  });
}

/** A lot that must already exist (only a receipt brings a new lot, with its expiry). */
export async function knownLot(em: EntityManager, clave: string, lotNumber: string, field: Array<string | number>): Promise<LotRow> {
  const [row] = await em.query(
    `SELECT l.id, l.supply_item_id AS "supplyItemId", l.lot_number AS "lotNumber", l.expires_on::text AS "expiresOn", s.id AS item
       FROM supply_item s LEFT JOIN lot l ON l.supply_item_id = s.id AND l.lot_number = $2 WHERE s.clave = $1`,
    [clave, lotNumber],
  );
  if (!row) fail(ErrorCode.UNKNOWN_CLAVE, [...field, 'clave'], `No existe la clave ${clave} en el catálogo.`);
  if (!row.id) fail(ErrorCode.UNKNOWN_LOT, [...field, 'lotNumber'], `El lote ${lotNumber} de la clave ${clave} no ha entrado nunca: regístrelo con una entrada.`);
  return row;
}

/**
 * Plans taking pieces out of a location: from the named lot, or FEFO over the lots usable on `day`.
 * The balances are locked first, so the plan holds when it is written.
 */
export async function takeOut<L extends LineAt & { quantity: number; lotNumber?: string | null }>(
  em: EntityManager,
  establishmentId: number,
  lines: L[],
  day: string,
  draft: (line: L, lot: LockedLot, quantity: number, index: number) => MovementDraft,
  quantityField = 'quantity',
): Promise<MovementDraft[]> {
  const errors: UserError[] = [];
  const items = await resolveClaves(em, lines, errors);
  const locked = await lockItemLots(em, establishmentId, [...new Set(items.values())]);
  const left = new Map(locked.map((l) => [l.lotId, l.quantity]));
  const drafts: MovementDraft[] = [];
  // Every line is planned, so every line's problem is reported at once (an unknown clave is already one).
  lines.forEach((line, i) => {
    const supplyItemId = items.get(line.clave);
    if (supplyItemId === undefined) return;
    const lots = locked.filter((l) => l.supplyItemId === supplyItemId).map((l) => ({ ...l, quantity: left.get(l.lotId)! }));
    const at = fieldOf(line, i);
    if (line.lotNumber) {
      const lot = lots.find((l) => l.lotNumber === line.lotNumber);
      if (!lot) {
        errors.push(userError(ErrorCode.UNKNOWN_LOT, [...at, 'lotNumber'], `No hay piezas del lote ${line.lotNumber} de la clave ${line.clave} en esta CLUES.`));
      } else if (lot.heldBy) {
        errors.push(userError('LOT_ON_HOLD', [...at, 'lotNumber'], onHoldMessage(lot.lotNumber, lot.heldBy)));
      } else if (!isUsableOn(lot.expiresOn, day)) {
        errors.push(userError(ErrorCode.LOT_EXPIRED, [...at, 'lotNumber'], `El lote ${line.lotNumber} caducó el ${lot.expiresOn}: no puede usarse.`));
      } else if (lot.quantity < line.quantity) {
        errors.push(userError(ErrorCode.INSUFFICIENT_STOCK, [...at, quantityField], `Existencia insuficiente en el lote ${line.lotNumber}: hay ${lot.quantity} piezas y se piden ${line.quantity}.`));
      } else {
        left.set(lot.lotId, lot.quantity - line.quantity);
        drafts.push(draft(line, lot, line.quantity, i));
      }
      return;
    }
    const plan = allocateFefo(lots, line.quantity, day);
    if (!plan.ok) {
      errors.push(userError(ErrorCode.INSUFFICIENT_STOCK, [...at, quantityField], `Existencia utilizable insuficiente de ${line.clave}: hay ${plan.usable} piezas y se piden ${line.quantity}.`));
      return;
    }
    for (const take of plan.takes) {
      left.set(take.lot.lotId, left.get(take.lot.lotId)! - take.quantity);
      drafts.push(draft(line, take.lot as LockedLot, take.quantity, i));
    }
  });
  if (errors.length) throw new UserInputError(errors);
  return drafts;
}
