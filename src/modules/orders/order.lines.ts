import { EntityManager } from 'typeorm';
import { businessDay } from '../../domain/dates';
import { ErrorCode, UserError, userError } from '../../base/errors';
import { authorizedSql } from '../catalog/authorization';

/** The claves an order's lines name, as orderCreate and orderUpdate check them: one rule for both. */

export interface OrderItem {
  id: number;
  clave: string;
  /** At the requesting establishment this year (catalog/authorization.ts). */
  authorized: boolean;
}

/**
 * Finds the supply items of the lines and checks each line: a clave once (DUPLICATE_LINE), known
 * (UNKNOWN_CLAVE), and authorised at the requesting establishment this year (NOT_AUTHORIZED_FOR_LEVEL;
 * a warehouse stocks every clave: catalog/authorization.ts). A line `removing` its clave is not checked
 * (taking a clave off an order is always allowed). Problems are added to `errors`, every line's at once.
 */
export async function checkOrderLines(
  em: EntityManager,
  requesting: { clues: string },
  lines: ReadonlyArray<{ clave: string; removing?: boolean }>,
  errors: UserError[],
): Promise<Map<string, OrderItem>> {
  const items: OrderItem[] = await em.query(
    `SELECT s.id, s.clave, coalesce(${authorizedSql('e', 's', '$3::int')}, false) AS authorized
       FROM supply_item s LEFT JOIN establishment e ON e.clues = $2
      WHERE s.clave = ANY ($1::text[])`,
    [lines.map((l) => l.clave), requesting.clues, Number(businessDay().slice(0, 4))],
  );
  const byClave = new Map(items.map((i) => [i.clave, i]));
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    const item = byClave.get(l.clave);
    if (seen.has(l.clave)) errors.push(userError(ErrorCode.DUPLICATE_LINE, ['lines', i], `La clave ${l.clave} se repite.`));
    seen.add(l.clave);
    if (!item) return errors.push(userError(ErrorCode.UNKNOWN_CLAVE, ['lines', i, 'clave'], `No existe la clave ${l.clave}.`));
    if (!l.removing && !item.authorized) {
      errors.push(userError('NOT_AUTHORIZED_FOR_LEVEL', ['lines', i, 'clave'], `La clave ${l.clave} no está autorizada para el nivel de atención ni la tipología de ${requesting.clues}.`));
    }
  });
  return byClave;
}
