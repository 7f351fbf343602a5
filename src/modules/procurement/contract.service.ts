import { DataSource, EntityManager } from 'typeorm';
import { businessDay } from '../../domain/dates';
import { stateByCode } from '../../domain/states';
import { Roles } from '../../base/auth';
import { Context } from '../../base/context';
import { ErrorCode, fail, UserError, userError, UserInputError } from '../../base/errors';
import { fromGlobalId } from '../../base/node';
import { isCalendarDate } from '../../base/scalars';
import { runMutation } from '../../db/mutation';
import { foldForSearch } from '../registry/registry.service';
import { ContractProgress, ProcurementContract, ProcurementContractCreateInput, ProcurementContractCreateSchema, ProcurementContractFilter } from './procurement.types';

type Db = DataSource | EntityManager;

const CONTRACT_SELECT = `
  SELECT c.id AS pk, c.number, c.supplier, c.supply_item_id AS "supplyItemId", si.clave, c.state_code AS "stateCode",
         c.min_pieces AS "minPieces", c.max_pieces AS "maxPieces", c.unit_price::float8 AS "unitPrice",
         c.valid_from::text AS "validFrom", c.valid_to::text AS "validTo"
    FROM procurement_contract c JOIN supply_item si ON si.id = c.supply_item_id`;

export async function contractsWhere(db: Db, where: string, params: unknown[], tail = ''): Promise<ProcurementContract[]> {
  const rows = await db.query(`${CONTRACT_SELECT} WHERE ${where} ${tail}`, params);
  return rows.map((r: ProcurementContract) => Object.assign(new ProcurementContract(), r));
}

/**
 * Pieces an order line holds against its contract's maximum: what was requested until approval, what
 * was approved after, only what was accepted once the order is short-closed, nothing once cancelled.
 */
export const COMMITTED_SQL = `CASE o.status WHEN 'CANCELLED' THEN 0 WHEN 'CLOSED' THEN l.accepted
  WHEN 'DRAFT' THEN l.requested WHEN 'SUBMITTED' THEN l.requested ELSE l.approved END`;

/** Progress of many contracts in one statement. */
export async function contractProgress(db: Db, contracts: readonly ProcurementContract[]): Promise<Map<number, ContractProgress>> {
  const rows: Array<{ id: number; accepted: string; committed: string; orders: number }> = await db.query(
    `SELECT o.contract_id AS id, sum(l.accepted) AS accepted, sum(${COMMITTED_SQL}) AS committed,
            count(DISTINCT o.id) FILTER (WHERE o.status <> 'CANCELLED')::int AS orders
       FROM supply_order o JOIN supply_order_line l ON l.order_id = o.id
      WHERE o.contract_id = ANY ($1::int[]) GROUP BY 1`,
    [contracts.map((c) => c.pk)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return new Map(
    contracts.map((c) => {
      const r = byId.get(c.pk);
      const accepted = Number(r?.accepted ?? 0);
      const committed = Number(r?.committed ?? 0);
      return [
        c.pk,
        {
          accepted,
          committed,
          available: Math.max(0, c.maxPieces - committed),
          percentOfMinimum: c.minPieces > 0 ? (accepted / c.minPieces) * 100 : null,
          percentOfMaximum: (accepted / c.maxPieces) * 100,
          acceptedValue: Math.round(accepted * c.unitPrice * 100) / 100,
          orders: r?.orders ?? 0,
        },
      ];
    }),
  );
}

export async function createContract(ctx: Context, raw: ProcurementContractCreateInput): Promise<ProcurementContract> {
  return runMutation(
    ctx,
    {
      operation: 'procurementContractCreate',
      schema: ProcurementContractCreateSchema,
      raw,
      scope: { roles: Roles.national },
      check: (input) => {
        const ratio = ctx.config.procurement.contractMinRatio;
        const errors: UserError[] = [];
        if (input.stateCode && !stateByCode(input.stateCode)) errors.push(userError('UNKNOWN_STATE', ['stateCode'], `No existe la entidad ${input.stateCode}.`));
        if (input.minPieces > input.maxPieces) errors.push(userError(ErrorCode.INCONSISTENT, ['minPieces'], 'El mínimo no puede pasar del máximo.'));
        else if (input.minPieces < Math.ceil(ratio * input.maxPieces)) {
          errors.push(userError('MINIMUM_BELOW_RATIO', ['minPieces'], `El mínimo debe ser al menos el ${Math.round(ratio * 100)} % del máximo: ${Math.ceil(ratio * input.maxPieces)} piezas.`));
        }
        if (input.validFrom > input.validTo) errors.push(userError(ErrorCode.INCONSISTENT, ['validTo'], 'La vigencia termina antes de empezar.'));
        if (errors.length) throw new UserInputError(errors);
      },
      idempotencyKey: (input) => input.idempotencyKey,
    },
    async (em, input, meta) => {
      const [item] = await em.query('SELECT id FROM supply_item WHERE clave = $1', [input.clave]);
      if (!item) fail(ErrorCode.UNKNOWN_CLAVE, ['clave'], `No existe la clave ${input.clave}.`);
      const [row] = await em.query(
        `INSERT INTO procurement_contract (number, supplier, supply_item_id, state_code, min_pieces, max_pieces, unit_price, valid_from, valid_to, created_by, idempotency_key)
         VALUES ('CA-' || to_char(now() AT TIME ZONE 'America/Mexico_City', 'YYYY') || '-' || lpad(nextval('contract_number_seq')::text, 5, '0'),
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [input.supplier, item.id, input.stateCode ?? null, input.minPieces, input.maxPieces, input.unitPrice, input.validFrom, input.validTo, meta.actor, meta.idempotencyKey],
      );
      return (await contractsWhere(em, 'c.id = $1', [row.id]))[0];
    },
    async (em, _input, meta) => (await contractsWhere(em, 'c.created_by = $1 AND c.idempotency_key = $2', [meta.actor, meta.idempotencyKey]))[0],
  );
}

/** Contracts in number order, filtered; keyset pagination on the number. */
export function contractPage(db: Db, filter: ProcurementContractFilter | null | undefined, after: string | undefined, limit: number): Promise<ProcurementContract[]> {
  const { where, params } = contractFilter(filter);
  const n = params.length;
  return contractsWhere(db, `${where} AND ($${n + 1}::text IS NULL OR c.number > $${n + 1})`, [...params, after ?? null, limit], `ORDER BY c.number LIMIT $${n + 2}`);
}

export async function contractCount(db: Db, filter: ProcurementContractFilter | null | undefined): Promise<number> {
  const { where, params } = contractFilter(filter);
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM procurement_contract c JOIN supply_item si ON si.id = c.supply_item_id WHERE ${where}`, params);
  return n;
}

function contractFilter(filter: ProcurementContractFilter | null | undefined): { where: string; params: unknown[] } {
  const params: unknown[] = [filter?.claves ?? null, filter?.supplier ? `%${foldForSearch(filter.supplier)}%` : null, filter?.stateCodes ?? null, filter?.validOn ?? null];
  if (filter?.validOn && !isCalendarDate(filter.validOn)) fail(ErrorCode.INVALID_DATE, ['filter', 'validOn'], 'Fecha inválida.');
  return {
    where: `($1::text[] IS NULL OR si.clave = ANY ($1::text[]))
      AND ($2::text IS NULL OR translate(lower(c.supplier), 'áéíóúüñàèìòùÁÉÍÓÚÜÑÀÈÌÒÙ', 'aeiouunaeiouaeiouunaeiou') LIKE $2)
      AND ($3::text[] IS NULL OR c.state_code IS NULL OR c.state_code = ANY ($3::text[]))
      AND ($4::date IS NULL OR $4::date BETWEEN c.valid_from AND c.valid_to)`,
    params,
  };
}

/**
 * The contract a global id (ProcurementContract's `id`) names, as its row id; UNKNOWN_CONTRACT on `field`
 * when the id is not a contract's or names none.
 */
export async function contractIdOf(em: EntityManager, id: string, field: string): Promise<number> {
  const decoded = fromGlobalId(id);
  const [row] = decoded?.type === 'ProcurementContract' ? await em.query('SELECT id FROM procurement_contract WHERE number = $1', [decoded.key]) : [];
  if (!row) fail('UNKNOWN_CONTRACT', [field], 'No existe el contrato: use el id de un contrato (ProcurementContract.id).');
  return row.id;
}

/**
 * Checks a PURCHASE order against the contract it names, holding the contract row's lock until the
 * order's transaction ends, so two orders cannot both take the last pieces under the maximum.
 */
export async function checkOrderAgainstContract(
  em: EntityManager,
  contractId: number,
  order: { supplier: string | null; requestingStateCode: string; lines: Array<{ clave: string; quantity: number }>; field?: string },
): Promise<{ supplier: string }> {
  // The input field that named the contract: `contract` (its global id) or the deprecated `contractId`.
  const field = order.field ?? 'contractId';
  const [locked] = await em.query('SELECT id FROM procurement_contract WHERE id = $1 FOR UPDATE', [contractId]);
  if (!locked) fail('UNKNOWN_CONTRACT', [field], `No existe el contrato ${contractId}.`);
  const [contract] = await contractsWhere(em, 'c.id = $1', [contractId]);
  const errors: UserError[] = [];
  const today = businessDay();
  if (today < contract.validFrom || today > contract.validTo) {
    errors.push(userError('CONTRACT_NOT_IN_FORCE', [field], `El contrato ${contract.number} está vigente del ${contract.validFrom} al ${contract.validTo}.`));
  }
  if (order.supplier && foldForSearch(order.supplier) !== foldForSearch(contract.supplier)) {
    errors.push(userError(ErrorCode.INCONSISTENT, ['supplier'], `El contrato ${contract.number} es con ${contract.supplier}.`));
  }
  if (contract.stateCode && contract.stateCode !== order.requestingStateCode) {
    errors.push(userError('CONTRACT_OTHER_STATE', [field], `El contrato ${contract.number} es para la entidad ${contract.stateCode}.`));
  }
  order.lines.forEach((l, i) => {
    if (l.clave !== contract.clave) errors.push(userError('CLAVE_NOT_IN_CONTRACT', ['lines', i, 'clave'], `El contrato ${contract.number} es de la clave ${contract.clave}.`));
  });
  if (errors.length) throw new UserInputError(errors);
  const progress = (await contractProgress(em, [contract])).get(contract.pk)!;
  const asked = order.lines.reduce((s, l) => s + l.quantity, 0);
  if (asked > progress.available) {
    fail('CONTRACT_MAXIMUM_EXCEEDED', ['lines', 0, 'quantity'], `El contrato ${contract.number} admite ${progress.available} piezas más (máximo ${contract.maxPieces}, comprometidas ${progress.committed}); se piden ${asked}.`);
  }
  return { supplier: contract.supplier };
}
