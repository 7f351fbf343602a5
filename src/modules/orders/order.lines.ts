import { EntityManager } from 'typeorm';
import { businessDay } from '../../domain/dates';
import { ErrorCode, UserError, userError } from '../../base/errors';

/** The claves an order's lines name, as orderCreate and orderUpdate check them: one rule for both. */

export interface OrderItem {
  id: number;
  clave: string;
  levels: string[];
  from_year: number | null;
  to_year: number | null;
}

/**
 * Finds the supply items of the lines and checks each line: a clave once (DUPLICATE_LINE), known
 * (UNKNOWN_CLAVE), and — for a requester that is not a warehouse — authorised for its level of care in
 * the current year (NOT_AUTHORIZED_FOR_LEVEL). A line `removing` its clave is not checked for the level
 * (taking a clave off an order is always allowed). Problems are added to `errors`, every line's at once.
 */
export async function checkOrderLines(
  em: EntityManager,
  requesting: { clues: string; careLevel: string | null; isWarehouse: boolean },
  lines: ReadonlyArray<{ clave: string; removing?: boolean }>,
  errors: UserError[],
): Promise<Map<string, OrderItem>> {
  const items: OrderItem[] = await em.query(
    `SELECT id, clave, authorized_levels AS levels, authorized_from_year AS from_year, authorized_to_year AS to_year FROM supply_item WHERE clave = ANY ($1::text[])`,
    [lines.map((l) => l.clave)],
  );
  const byClave = new Map(items.map((i) => [i.clave, i]));
  const year = Number(businessDay().slice(0, 4));
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    const item = byClave.get(l.clave);
    if (seen.has(l.clave)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], `La clave ${l.clave} se repite.`));
    seen.add(l.clave);
    if (!item) return errors.push(userError(ErrorCode.UNKNOWN_CLAVE, ['lines', i, 'clave'], `No existe la clave ${l.clave}.`));
    if (l.removing || requesting.isWarehouse) return;
    const inYears = (item.from_year ?? 0) <= year && (item.to_year ?? 9999) >= year;
    if (!requesting.careLevel || !item.levels.includes(requesting.careLevel) || !inYears) {
      errors.push(userError('NOT_AUTHORIZED_FOR_LEVEL', ['lines', i, 'clave'], `La clave ${l.clave} no está autorizada para el nivel de atención de ${requesting.clues}.`));
    }
  });
  return byClave;
}
