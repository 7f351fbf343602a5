import type { Viewer } from '../../base/auth';
import { Context, viewerOf } from '../../base/context';
import { badRequest, ErrorCode, fromZod } from '../../base/errors';
import { toGlobalId } from '../../base/node';
import { claveField, lotNumberField } from '../../base/validation';
import { MovementKind } from '../stock/stock.types';
import { LotTrace, LotTraceEvent, LotTracePlace, LotTracePrescription, LotTraceSource, LotTraceTotals } from './recall.types';

/**
 * lotTrace (issue 21): when COFEPRIS issues an alerta sanitaria for a lot, where every piece of it went.
 * Three statements whatever the number of places: the clave (the request's loader), the lot, and one
 * statement for the whole trace — figures per place, sources, prescriptions and timeline read from one
 * snapshot, so the figures of a place always add up to its balance.
 *
 * Which ledger entry counts where (a REVERSAL under the kind of the movement it undoes):
 *   received    RECEIPT, TRANSFER_IN
 *   found       ADJUSTMENT or COUNT_CORRECTION that added pieces
 *   sentOn      DISPATCH
 *   consumed    CONSUMPTION
 *   dispensed   DISPENSE
 *   writtenOff  EXPIRY_WRITE_OFF, and ADJUSTMENT or COUNT_CORRECTION that took pieces away
 * so received + found − sentOn − consumed − dispensed − writtenOff = the ledger's sum = onHand.
 * Not ledger entries: rejected (pieces turned away on arrival, shipment and receipt lines), inTransit
 * (shipped from the place, not yet received) and incoming (shipped to it).
 *
 * Scope: national roles see every place; a state coordinator the places of its state; a warehouse or a
 * unit itself. Every figure, source, prescription and timeline entry is of a place in scope, and totals
 * add up only those. Prescription folios are shown where the caller may read the place's prescriptions
 * (`prescription(clues, folio)`'s rule: its scope covers the CLUES).
 */

/** The trace's SQL condition "establishment `e` is in the caller's scope" ($2 national, $3 state, $4 CLUES). */
const seen = (e: string) => `($2::boolean OR ${e}.state_code = $3::text OR ${e}.clues = $4::text)`;

const LOT_TRACE_SQL = `
  WITH mv AS (
    -- the lot's ledger at the places in scope; a reversal carries the movement it undoes (base_*)
    SELECT m.id, m.establishment_id AS est, m.kind, m.quantity, m.reason, m.occurred_at, m.reverses_id,
           coalesce(o.kind, m.kind) AS base_kind, coalesce(o.quantity, m.quantity) AS base_qty,
           coalesce(o.actor, m.actor) AS base_actor, coalesce(o.idempotency_key, m.idempotency_key) AS base_key,
           coalesce(o.document, m.document) AS base_document, coalesce(o.receipt_id, m.receipt_id) AS base_receipt
      FROM stock_movement m JOIN establishment e ON e.id = m.establishment_id
      LEFT JOIN stock_movement o ON o.id = m.reverses_id
     WHERE m.lot_id = $1 AND ${seen('e')}
  ), road AS (
    -- every shipment line of the lot leaving from or going to a place in scope
    SELECT sh.number, sh.status, sh.dispatched_at, sh.received_at, so.number AS order_number,
           so.supplying_id AS from_est, so.requesting_id AS to_est, f.clues AS from_clues, f.name AS from_name,
           ${seen('f')} AS from_seen, ${seen('t')} AS to_seen, sl.quantity, sl.accepted, sl.rejected, sl.rejection_reason
      FROM shipment_line sl JOIN shipment sh ON sh.id = sl.shipment_id JOIN supply_order so ON so.id = sh.order_id
      JOIN establishment f ON f.id = so.supplying_id JOIN establishment t ON t.id = so.requesting_id
     WHERE sl.lot_id = $1 AND (${seen('f')} OR ${seen('t')})
  ), rcv AS (
    SELECT r.establishment_id AS est, r.received_at, r.supplier_document, r.order_number, r.source, so.supplier,
           rl.accepted, rl.rejected, rl.rejection_reason
      FROM receipt_line rl JOIN receipt r ON r.id = rl.receipt_id JOIN establishment e ON e.id = r.establishment_id
      LEFT JOIN supply_order so ON so.id = r.order_id
     WHERE rl.lot_id = $1 AND ${seen('e')}
  ), bal AS (
    SELECT b.establishment_id AS est, b.quantity FROM stock_balance b JOIN establishment e ON e.id = b.establishment_id
     WHERE b.lot_id = $1 AND ${seen('e')}
  ), fig AS (
    SELECT est,
           sum(quantity) FILTER (WHERE base_kind IN ('RECEIPT', 'TRANSFER_IN')) AS received,
           sum(quantity) FILTER (WHERE base_kind IN ('ADJUSTMENT', 'COUNT_CORRECTION') AND base_qty > 0) AS found,
           -sum(quantity) FILTER (WHERE base_kind = 'DISPATCH') AS sent_on,
           -sum(quantity) FILTER (WHERE base_kind = 'CONSUMPTION') AS consumed,
           -sum(quantity) FILTER (WHERE base_kind = 'DISPENSE') AS dispensed,
           -sum(quantity) FILTER (WHERE base_kind = 'EXPIRY_WRITE_OFF' OR (base_kind IN ('ADJUSTMENT', 'COUNT_CORRECTION') AND base_qty < 0)) AS written_off
      FROM mv GROUP BY est
  ), leaving AS (
    SELECT from_est AS est, sum(quantity) FILTER (WHERE status = 'IN_TRANSIT') AS in_transit FROM road WHERE from_seen GROUP BY from_est
  ), arriving AS (
    SELECT to_est AS est, sum(quantity) FILTER (WHERE status = 'IN_TRANSIT') AS incoming, sum(rejected) AS rejected FROM road WHERE to_seen GROUP BY to_est
  ), turned_away AS (
    SELECT est, sum(rejected) AS rejected FROM rcv GROUP BY est
  ), sources AS (
    SELECT est, json_agg(json_build_object('kind', kind, 'at', at, 'document', document, 'orderNumber', order_number, 'receiptSource', source,
                                           'supplier', supplier, 'fromClues', from_clues, 'fromName', from_name, 'status', status, 'pieces', pieces,
                                           'accepted', accepted, 'rejected', rejected, 'rejectionReason', rejection_reason) ORDER BY at, document) AS list
      FROM (SELECT to_est AS est, 'SHIPMENT' AS kind, coalesce(received_at, dispatched_at) AS at, number AS document, order_number,
                   NULL::text AS source, NULL::text AS supplier, from_clues, from_name, status, quantity AS pieces, accepted, rejected, rejection_reason
              FROM road WHERE to_seen
            UNION ALL
            SELECT est, 'RECEIPT', received_at, supplier_document, order_number, source, supplier, NULL, NULL, 'RECEIVED', accepted + rejected,
                   accepted, rejected, rejection_reason
              FROM rcv
            UNION ALL
            -- pieces written to the ledger as received without a receipt document (data loaded in bulk)
            SELECT est, 'RECEIPT', occurred_at, base_document, NULL, reason, NULL, NULL, NULL, 'RECEIVED', quantity, quantity, 0, NULL
              FROM mv WHERE kind = 'RECEIPT' AND base_receipt IS NULL) s
     GROUP BY est
  ), rx AS (
    SELECT x.est, json_agg(json_build_object('folio', p.folio, 'issuedOn', p.issued_on, 'dispensedAt', p.dispensed_at, 'pieces', x.pieces)
                           ORDER BY p.dispensed_at, p.folio) AS list
      FROM (SELECT est, base_actor, base_key, -sum(quantity) AS pieces FROM mv WHERE base_kind = 'DISPENSE'
             GROUP BY est, base_actor, base_key HAVING sum(quantity) < 0) x
      JOIN prescription p ON p.actor = x.base_actor AND p.idempotency_key = x.base_key AND p.establishment_id = x.est
     GROUP BY x.est
  ), places AS (
    SELECT est FROM fig UNION SELECT est FROM bal UNION SELECT est FROM leaving UNION SELECT est FROM arriving UNION SELECT est FROM rcv
  )
  SELECT statement_timestamp() AS "asOf",
    (SELECT coalesce(json_agg(json_build_object(
              'establishmentId', e.id, 'clues', e.clues, 'name', e.name, 'stateCode', e.state_code,
              'received', coalesce(f.received, 0), 'found', coalesce(f.found, 0), 'sentOn', coalesce(f.sent_on, 0),
              'consumed', coalesce(f.consumed, 0), 'dispensed', coalesce(f.dispensed, 0), 'writtenOff', coalesce(f.written_off, 0),
              'rejected', coalesce(a.rejected, 0) + coalesce(ta.rejected, 0), 'onHand', coalesce(b.quantity, 0),
              'inTransit', coalesce(l.in_transit, 0), 'incoming', coalesce(a.incoming, 0),
              'sources', coalesce(s.list, '[]'::json), 'prescriptions', coalesce(rx.list, '[]'::json)) ORDER BY e.clues), '[]'::json)
       FROM places p JOIN establishment e ON e.id = p.est
       LEFT JOIN fig f ON f.est = p.est LEFT JOIN bal b ON b.est = p.est LEFT JOIN leaving l ON l.est = p.est
       LEFT JOIN arriving a ON a.est = p.est LEFT JOIN turned_away ta ON ta.est = p.est
       LEFT JOIN sources s ON s.est = p.est LEFT JOIN rx ON rx.est = p.est) AS places,
    (SELECT coalesce(json_agg(json_build_object(
              'id', m.id::text, 'occurredAt', m.occurred_at, 'clues', e.clues, 'name', e.name, 'kind', m.kind, 'quantity', m.quantity,
              'reason', m.reason, 'baseKind', m.base_kind, 'reverses', m.reverses_id::text,
              'document', CASE m.base_kind WHEN 'DISPATCH' THEN coalesce(sd.number, m.base_document)
                                           WHEN 'TRANSFER_IN' THEN coalesce(sr.number, m.base_document)
                                           WHEN 'DISPENSE' THEN coalesce(p.folio, m.base_document)
                                           ELSE m.base_document END,
              'orderNumber', coalesce(sdo.number, sro.number, r.order_number),
              'counterpartClues', coalesce(sdt.clues, srf.clues)) ORDER BY m.occurred_at, m.id), '[]'::json)
       FROM mv m JOIN establishment e ON e.id = m.est
       LEFT JOIN shipment sd ON m.base_kind = 'DISPATCH' AND sd.dispatched_by = m.base_actor AND sd.idempotency_key = m.base_key
       LEFT JOIN supply_order sdo ON sdo.id = sd.order_id LEFT JOIN establishment sdt ON sdt.id = sdo.requesting_id
       LEFT JOIN shipment sr ON m.base_kind = 'TRANSFER_IN' AND sr.received_by = m.base_actor AND sr.receipt_key = m.base_key
       LEFT JOIN supply_order sro ON sro.id = sr.order_id LEFT JOIN establishment srf ON srf.id = sro.supplying_id
       LEFT JOIN prescription p ON m.base_kind = 'DISPENSE' AND p.actor = m.base_actor AND p.idempotency_key = m.base_key AND p.establishment_id = m.est
       LEFT JOIN receipt r ON r.id = m.base_receipt) AS timeline`;

/** The trace's parameters after the lot's id: the caller's scope. */
const scopeParams = (v: Viewer): [boolean, string | null, string | null] => [v.national, v.national ? null : v.stateCode, v.national ? null : v.clues];

interface PlaceRow extends Omit<LotTracePlace, 'sources' | 'prescriptions'> {
  sources: Array<Omit<LotTraceSource, 'at'> & { at: string }>;
  prescriptions: Array<Omit<LotTracePrescription, 'dispensedAt'> & { dispensedAt: string }>;
}
interface EventRow {
  id: string;
  occurredAt: string;
  clues: string;
  name: string;
  kind: MovementKind;
  quantity: number;
  reason: string | null;
  baseKind: MovementKind;
  reverses: string | null;
  document: string | null;
  orderNumber: string | null;
  counterpartClues: string | null;
}

/** The lot `lotNumber` of a clave, refusing input that names none (each a request error, in Spanish, with its code). */
async function lotOf(ctx: Context, rawClave: string, rawLot: string) {
  const clave = claveField.safeParse(rawClave);
  if (!clave.success) {
    const [e] = fromZod(clave.error);
    throw badRequest(e.code, e.message);
  }
  const lotNumber = lotNumberField.safeParse(rawLot);
  if (!lotNumber.success) {
    const [e] = fromZod(lotNumber.error);
    throw badRequest(e.code, `Número de lote: ${e.message}`);
  }
  const item = await ctx.loaders.supplyItemByClave.load(clave.data);
  if (!item) throw badRequest(ErrorCode.UNKNOWN_CLAVE, `No existe la clave ${clave.data} en el catálogo.`);
  // the clave(s) a number belongs to are read only when it is not this clave's
  const [lot]: Array<{ id: number | null; lot_number: string | null; expires_on: string | null; others: string[] | null }> = await ctx.db.query(
    `SELECT l.id, l.lot_number, l.expires_on::text AS expires_on,
            CASE WHEN l.id IS NULL THEN (SELECT array_agg(s.clave ORDER BY s.clave) FROM lot o JOIN supply_item s ON s.id = o.supply_item_id WHERE o.lot_number = $2) END AS others
       FROM (SELECT $1::int AS item) i LEFT JOIN lot l ON l.supply_item_id = i.item AND l.lot_number = $2`,
    [item.pk, lotNumber.data],
  );
  if (lot.id === null) {
    if (lot.others?.length) {
      throw badRequest(
        'LOT_OF_OTHER_CLAVE',
        `El lote ${lotNumber.data} no es de la clave ${item.clave}: es de ${lot.others.join(', ')}. Revise la clave de la alerta.`,
      );
    }
    throw badRequest(ErrorCode.UNKNOWN_LOT, `El lote ${lotNumber.data} de la clave ${item.clave} no ha entrado nunca a la red.`);
  }
  return { item, lotId: lot.id, lotNumber: lot.lot_number!, expiresOn: lot.expires_on };
}

/** The trace of a lot in the caller's scope (lotTrace). */
export async function lotTrace(ctx: Context, rawClave: string, rawLot: string): Promise<LotTrace> {
  const v = viewerOf(ctx);
  const lot = await lotOf(ctx, rawClave, rawLot);
  const [row]: Array<{ asOf: Date; places: PlaceRow[]; timeline: EventRow[] }> = await ctx.db.query(LOT_TRACE_SQL, [lot.lotId, ...scopeParams(v)]);
  return Object.assign(new LotTrace(), {
    lotId: lot.lotId,
    clave: lot.item.clave,
    lotNumber: lot.lotNumber,
    expiresOn: lot.expiresOn,
    supplyItem: lot.item,
    asOf: row.asOf,
    places: row.places.map((p) => toPlace(p, v)),
    totals: totalsOf(row.places),
    timeline: row.timeline.map((e) => toEvent(e, v)),
  });
}

function toPlace(p: PlaceRow, v: Viewer): LotTracePlace {
  return Object.assign(new LotTracePlace(), p, {
    sources: p.sources.map((s) => Object.assign(new LotTraceSource(), s, { at: new Date(s.at) })),
    prescriptions: v.covers(p.clues) ? p.prescriptions.map((rx) => Object.assign(new LotTracePrescription(), rx, { dispensedAt: new Date(rx.dispensedAt) })) : null,
  });
}

function toEvent(e: EventRow, v: Viewer): LotTraceEvent {
  const reversal = e.kind === MovementKind.REVERSAL;
  return Object.assign(new LotTraceEvent(), {
    movementId: toGlobalId('StockMovement', e.id),
    occurredAt: new Date(e.occurredAt),
    clues: e.clues,
    name: e.name,
    kind: e.kind,
    quantity: e.quantity,
    reason: e.reason,
    // a folio is a patient's prescription: only where the caller may read the place's prescriptions
    document: e.baseKind === MovementKind.DISPENSE && !v.covers(e.clues) ? null : e.document,
    orderNumber: e.orderNumber,
    counterpartClues: e.counterpartClues,
    reversesMovementId: reversal && e.reverses ? toGlobalId('StockMovement', e.reverses) : null,
    reversesKind: reversal ? e.baseKind : null,
  });
}

const FIGURES = ['received', 'found', 'sentOn', 'consumed', 'dispensed', 'writtenOff', 'rejected', 'onHand', 'inTransit'] as const;

function totalsOf(places: ReadonlyArray<Pick<LotTracePlace, (typeof FIGURES)[number]>>): LotTraceTotals {
  const totals = Object.assign(new LotTraceTotals(), { places: places.length });
  for (const f of FIGURES) totals[f] = places.reduce((sum, p) => sum + p[f], 0);
  return totals;
}
