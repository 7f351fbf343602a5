import { REJECTION_REASONS, rejectedColumn } from '../../domain/enums';
import { IndicatorCode, IndicatorDimension } from './indicator.types';
import { grouping, IndicatorQuery, registerIndicator } from './indicators';

/**
 * Order indicators (SPEC §4). Cohort: orders approved (emitidas) in the period, read as of a day:
 * pieces count as dispatched, accepted or rejected when the shipment left or was received (or the
 * supplier's receipt was recorded) by the end of that day. Lines of medicines and healing material
 * unless `supplyKinds` says otherwise.
 *
 * Two sources give facts with the same columns — one row per order line (LINE_FACTS), or one per
 * order, supply kind and day of the rollup (ROLLUP_FACTS) — and every measure below only adds them up
 * (per order first where it must), so each is written once:
 *   lines, full_lines, full_by_promise, approved, dispatched, accepted, rejected, r_<reason>.
 * LINE_FACTS reads the documents (order, shipment and receipt lines) and is needed for the CLAVE
 * breakdown. ROLLUP_FACTS adds up `order_fill`, the per-order, per-day rollup kept in the write
 * transactions (migration OrderFill), and serves everything else without touching a document line.
 * A third, SUMMARY_FACTS, reads that rollup already added up without the order (below), for national
 * breakdowns of the additive measures. A test holds them equal for every indicator and breakdown.
 *
 * Parameters: $1 from, $2 to, $3 asOf, $4 states, $5 CLUES, $6 levels, $7 warehouse CLUES, $8 supply kinds.
 */
const COHORT_ORDERS = `
  SELECT o.id AS order_id, o.kind, o.promised_on,
         CASE WHEN o.kind = 'PURCHASE' THEN 'PURCHASE' WHEN o.origin = 'DISTRIBUTION' THEN 'DISTRIBUTION' ELSE 'REPLENISHMENT' END AS origin,
         to_char(o.approved_at AT TIME ZONE 'America/Mexico_City', 'YYYY-MM') AS month,
         r.state_code, r.level_of_care, r.id AS establishment_id, coalesce(o.supplying_id, o.requesting_id) AS warehouse_id
    FROM supply_order o JOIN establishment r ON r.id = o.requesting_id
   WHERE o.approved_at >= ($1::date::timestamp AT TIME ZONE 'America/Mexico_City')
     AND o.approved_at < ((LEAST($2::date, $3::date) + 1)::timestamp AT TIME ZONE 'America/Mexico_City')
     AND o.status <> 'CANCELLED'
     AND ($4::text[] IS NULL OR r.state_code = ANY ($4::text[]))
     AND ($5::bpchar[] IS NULL OR r.clues = ANY ($5::bpchar[]))
     AND ($6::text[] IS NULL OR r.level_of_care = ANY ($6::text[]))
     AND ($7::text IS NULL OR coalesce(o.supplying_id, o.requesting_id) = (SELECT id FROM establishment WHERE clues = $7))`;

const KINDS = `coalesce($8::text[], ARRAY['MEDICINE', 'HEALING_MATERIAL'])`;

const LINE_FACTS = `
  WITH bounds AS (SELECT (($3::date + 1)::timestamp AT TIME ZONE 'America/Mexico_City') AS t_asof),
  lines AS (
    SELECT c.*, l.supply_item_id, l.approved, si.kind AS supply_kind
      FROM (${COHORT_ORDERS}) c
      JOIN supply_order_line l ON l.order_id = c.order_id
      JOIN supply_item si ON si.id = l.supply_item_id
     WHERE si.kind = ANY (${KINDS})
  ),
  -- What each line's documents say by the end of asOf (and by the end of its promised day).
  moves AS (
    SELECT sh.order_id, sl.supply_item_id, sl.quantity AS sent,
           CASE WHEN sh.received_at < b.t_asof THEN sl.accepted ELSE 0 END AS accepted,
           CASE WHEN sh.received_at < b.t_asof THEN sl.rejected ELSE 0 END AS rejected,
           CASE WHEN sh.received_at < b.t_asof THEN sl.rejection_reason END AS reason,
           sh.received_at
      FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id, bounds b
     WHERE sh.dispatched_at < b.t_asof AND sh.order_id IN (SELECT order_id FROM lines)
    UNION ALL
    SELECT rc.order_id, lt.supply_item_id, rl.accepted + rl.rejected, rl.accepted, rl.rejected, rl.rejection_reason, rc.received_at
      FROM receipt rc JOIN receipt_line rl ON rl.receipt_id = rc.id JOIN lot lt ON lt.id = rl.lot_id, bounds b
     WHERE rc.received_at < b.t_asof AND rc.order_id IN (SELECT order_id FROM lines)
  ),
  line_facts AS (
    SELECT ln.*,
           coalesce(sum(m.sent), 0) AS dispatched,
           coalesce(sum(m.accepted), 0) AS accepted,
           coalesce(sum(m.rejected), 0) AS rejected,
           coalesce(sum(m.accepted) FILTER (WHERE m.received_at < ((ln.promised_on + 1)::timestamp AT TIME ZONE 'America/Mexico_City')), 0) AS accepted_by_promise,
           ${REJECTION_REASONS.map((r) => `coalesce(sum(m.rejected) FILTER (WHERE m.reason = '${r}'), 0) AS ${rejectedColumn(r)}`).join(',\n           ')}
      FROM lines ln LEFT JOIN moves m ON m.order_id = ln.order_id AND m.supply_item_id = ln.supply_item_id
     GROUP BY ln.order_id, ln.kind, ln.origin, ln.promised_on, ln.supply_item_id, ln.approved, ln.month, ln.state_code, ln.level_of_care,
              ln.establishment_id, ln.warehouse_id, ln.supply_kind
  ),
  facts AS (
    SELECT *, 1 AS lines, (accepted >= approved)::int AS full_lines, (accepted_by_promise >= approved)::int AS full_by_promise
      FROM line_facts
  )`;

/** The rollup's measures that count only once their day has come (`on` ≤ asOf); lines and approved pieces count from approval. */
const asOfMeasures = (alias: string) =>
  ['full_lines', 'dispatched', 'accepted', 'rejected', ...REJECTION_REASONS.map(rejectedColumn)]
    .map((m) => `CASE WHEN ${alias}."on" <= $3::date THEN ${alias}.${m} ELSE 0 END AS ${m}`)
    .join(',\n           ');

const ROLLUP_FACTS = `
  WITH facts AS (
    SELECT c.order_id, c.kind, c.origin, c.promised_on, c.month, c.state_code, c.level_of_care, c.establishment_id, c.warehouse_id, f.supply_kind,
           f.lines, f.approved,
           CASE WHEN f."on" <= c.promised_on THEN f.full_lines ELSE 0 END AS full_by_promise,
           ${asOfMeasures('f')}
      FROM (${COHORT_ORDERS}) c
      JOIN order_fill f ON f.order_id = c.order_id
     WHERE f.supply_kind = ANY (${KINDS})
  )`;

/**
 * SUMMARY_FACTS adds up `order_fill_summary` (migration OrderFillSummary): the rollup without the order,
 * per approval day, state, warehouse, supply kind and day. It has no order, establishment, level or
 * clave, so it serves only the measures that add up over lines, broken down by the dimensions it keeps
 * and filtered by nothing it lacks (`summaryServes`).
 */
const SUMMARY_FACTS = `
  WITH facts AS (
    SELECT to_char(s.approved_on, 'YYYY-MM') AS month, s.state_code, s.warehouse_id, s.supply_kind, s.lines, s.approved,
           ${asOfMeasures('s')}
      FROM order_fill_summary s
     WHERE s.approved_on >= $1::date AND s.approved_on <= LEAST($2::date, $3::date)
       AND s.supply_kind = ANY (${KINDS})
       AND ($4::text[] IS NULL OR s.state_code = ANY ($4::text[]))
       AND ($7::text IS NULL OR s.warehouse_id = (SELECT id FROM establishment WHERE clues = $7))
       -- never set when the summary is read (see summaryServes); named so that PostgreSQL can type them
       AND $5::bpchar[] IS NULL AND $6::text[] IS NULL
  )`;

const SUMMARY_DIMENSIONS = new Set([IndicatorDimension.STATE, IndicatorDimension.MONTH, IndicatorDimension.WAREHOUSE, IndicatorDimension.SUPPLY_KIND]);

/** Whether an additive measure's query can read the summary: no CLUES or level filter, no breakdown the summary lacks. */
export function summaryServes(q: IndicatorQuery): boolean {
  return !q.clues && !q.levelsOfCare && q.groupBy.every((d) => SUMMARY_DIMENSIONS.has(d));
}

/**
 * Which facts a query reads: for measures that add up over lines, the summary when it serves the query;
 * otherwise the rollup, unless the breakdown needs the clave (or a test asks for a source).
 */
function factsFor(q: IndicatorQuery, additive = false): string {
  const source = q.factSource ?? (q.groupBy.includes(IndicatorDimension.CLAVE) ? 'LINES' : additive && summaryServes(q) ? 'SUMMARY' : 'ROLLUP');
  if (source === 'SUMMARY' && !(additive && summaryServes(q))) throw new Error('order_fill_summary cannot answer this query');
  return source === 'LINES' ? LINE_FACTS : source === 'SUMMARY' ? SUMMARY_FACTS : ROLLUP_FACTS;
}

const GROUP_COLUMNS: Partial<Record<IndicatorDimension, string>> = {
  [IndicatorDimension.STATE]: 'state_code',
  [IndicatorDimension.MONTH]: 'month',
  [IndicatorDimension.LEVEL_OF_CARE]: 'level_of_care',
  [IndicatorDimension.ESTABLISHMENT]: 'establishment_id',
  [IndicatorDimension.WAREHOUSE]: 'warehouse_id',
  [IndicatorDimension.SUPPLY_KIND]: 'supply_kind',
  [IndicatorDimension.CLAVE]: 'supply_item_id',
  [IndicatorDimension.ORIGIN]: 'origin',
};
const ALL_DIMENSIONS = Object.keys(GROUP_COLUMNS) as IndicatorDimension[];

function params(q: IndicatorQuery): unknown[] {
  return [q.from, q.to, q.asOf, q.stateCodes, q.clues, q.levelsOfCare, q.warehouseClues, q.supplyKinds];
}

const SHORTFALL = `sum(approved - dispatched) AS not_dispatched, sum(dispatched - accepted - rejected) AS in_transit, sum(rejected) AS rejected,
  ${REJECTION_REASONS.map((r) => `sum(${rejectedColumn(r)}) AS ${rejectedColumn(r)}`).join(', ')}`;

/** Measures that add up over lines. */
function lineQuery(q: IndicatorQuery, measures: string): string {
  const cols = q.groupBy.map((d) => GROUP_COLUMNS[d]!);
  const g = grouping(cols, q.withTotal);
  return `${factsFor(q, true)}
    SELECT ${cols.map((c) => `${c}, `).join('')}${measures}${g.flag}
      FROM facts ${g.clause}`;
}

/** Order-level measures: one row per order (and group), its lines folded first. */
function orderQuery(q: IndicatorQuery, perOrder: string, measures: string): string {
  const cols = q.groupBy.map((d) => GROUP_COLUMNS[d]!);
  const g = grouping(cols, q.withTotal);
  return `${factsFor(q)},
    orders AS (SELECT order_id, ${cols.map((c) => `${c}, `).join('')}${perOrder} FROM facts GROUP BY order_id${cols.map((c) => `, ${c}`).join('')})
    SELECT ${cols.map((c) => `${c}, `).join('')}${measures}${g.flag}
      FROM orders ${g.clause}`;
}

const COHORT = 'órdenes aprobadas (emitidas) en el periodo; piezas según lo recibido al cierre de la fecha de corte; medicamentos y material de curación salvo otro filtro';

registerIndicator({
  code: IndicatorCode.QUANTITY_FILL_RATE,
  name: 'Surtimiento en piezas',
  formula: `Σ piezas aceptadas (entregadas) / Σ piezas aprobadas (emitidas) × 100 — ${COHORT}`,
  unit: '%',
  target: 100,
  dimensions: ALL_DIMENSIONS,
  compute: (db, q) => db.query(lineQuery(q, `sum(accepted) AS numerator, sum(approved) AS denominator, ${SHORTFALL}`), params(q)),
});

registerIndicator({
  code: IndicatorCode.PIECES_ISSUED_DELIVERED,
  name: 'Piezas emitidas / entregadas (indicador 53)',
  formula: `Σ piezas emitidas (aprobadas) / Σ piezas entregadas (aceptadas) × 100, tal como está escrito el indicador oficial; más de 100 significa piezas no entregadas — ${COHORT}`,
  unit: '%',
  target: 100,
  // Above 100 means pieces not delivered: the target is a ceiling.
  lowerIsBetter: true,
  dimensions: ALL_DIMENSIONS,
  compute: (db, q) => db.query(lineQuery(q, `sum(approved) AS numerator, sum(accepted) AS denominator, ${SHORTFALL}`), params(q)),
});

registerIndicator({
  code: IndicatorCode.LINE_FILL_RATE,
  name: 'Surtimiento de líneas completas',
  formula: `líneas con piezas aceptadas ≥ aprobadas / líneas × 100 — ${COHORT}`,
  unit: '%',
  target: 100,
  dimensions: ALL_DIMENSIONS,
  compute: (db, q) => db.query(lineQuery(q, `sum(full_lines) AS numerator, sum(lines) AS denominator`), params(q)),
});

registerIndicator({
  code: IndicatorCode.ORDER_FILL_RATE,
  name: 'Órdenes surtidas completas',
  formula: `órdenes con todas sus líneas aceptadas completas / órdenes × 100 — ${COHORT}`,
  unit: '%',
  target: 100,
  dimensions: ALL_DIMENSIONS,
  compute: (db, q) =>
    db.query(orderQuery(q, 'sum(full_lines) >= sum(lines) AS in_full', 'count(*) FILTER (WHERE in_full) AS numerator, count(*) AS denominator'), params(q)),
});

registerIndicator({
  code: IndicatorCode.ON_TIME_IN_FULL,
  name: 'Entregas a tiempo y completas (OTIF)',
  formula: `órdenes aceptadas completas a más tardar en su fecha prometida / órdenes cuya fecha prometida ya pasó (antes de la fecha de corte) × 100 — ${COHORT}`,
  unit: '%',
  target: 100,
  dimensions: ALL_DIMENSIONS,
  compute: (db, q) =>
    db.query(
      orderQuery(
        q,
        'min(promised_on) AS promised_on, sum(full_by_promise) >= sum(lines) AS on_time',
        'count(*) FILTER (WHERE on_time) AS numerator, count(*) AS denominator',
      ).replace(/FROM orders /, `FROM orders WHERE promised_on < $3::date `),
      params(q),
    ),
});

registerIndicator({
  code: IndicatorCode.PRESCRIPTION_COMPLETE_FILL,
  name: 'Surtimiento completo de recetas',
  formula: 'recetas con fecha en el periodo surtidas completas (cada línea: surtido = recetado) / recetas × 100',
  unit: '%',
  target: 100,
  dimensions: [IndicatorDimension.STATE, IndicatorDimension.MONTH, IndicatorDimension.ESTABLISHMENT, IndicatorDimension.LEVEL_OF_CARE],
  compute: (db, q) => {
    const cols = q.groupBy.map((d) => GROUP_COLUMNS[d]!);
    const g = grouping(cols, q.withTotal);
    return db.query(
      `SELECT ${cols.map((c) => `${c}, `).join('')}count(*) FILTER (WHERE complete) AS numerator, count(*) AS denominator${g.flag}
         FROM (SELECT p.complete, e.state_code, e.level_of_care, e.id AS establishment_id, to_char(p.issued_on, 'YYYY-MM') AS month
                 FROM prescription p JOIN establishment e ON e.id = p.establishment_id
                WHERE p.issued_on BETWEEN $1::date AND $2::date AND p.issued_on <= $3::date
                  AND ($4::text[] IS NULL OR e.state_code = ANY ($4::text[]))
                  AND ($5::bpchar[] IS NULL OR e.clues = ANY ($5::bpchar[]))
                  AND ($6::text[] IS NULL OR e.level_of_care = ANY ($6::text[]))) x
        ${g.clause}`,
      params(q).slice(0, 6),
    );
  },
});
