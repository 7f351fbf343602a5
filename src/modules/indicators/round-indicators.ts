import { IndicatorCode, IndicatorDimension } from './indicator.types';
import { grouping, IndicatorQuery, registerIndicator } from './indicators';

/**
 * Rutas de la Salud (issue 20): how a month's rounds reached their units. Cohort: the units of the rounds
 * of the months from `from` to `to` (a round is made for its month before it starts: pass `to` to read
 * next month's), each with its round's order; read as of a day — a unit is supplied once a shipment of
 * its order was received by the end of that day with at least one piece accepted (a shipment whose every
 * lot was rejected supplied nothing).
 *
 * Parameters: $1 from, $2 to, $3 asOf, $4 states, $5 CLUES, $6 levels.
 */
const ROUND_UNITS = `
  SELECT u.round_id, u.establishment_id, u.order_id, u.kits, e.state_code, e.level_of_care, ro.code AS route_code,
         to_char(r.month, 'YYYY-MM') AS month, o.promised_on,
         (SELECT min(sh.received_at) FROM shipment sh
           WHERE sh.order_id = u.order_id AND sh.received_at < (($3::date + 1)::timestamp AT TIME ZONE 'America/Mexico_City')
             AND EXISTS (SELECT 1 FROM shipment_line sl WHERE sl.shipment_id = sh.id AND sl.accepted > 0)) AS received_at
    FROM distribution_round r
    JOIN distribution_round_unit u ON u.round_id = r.id
    JOIN establishment e ON e.id = u.establishment_id
    JOIN route ro ON ro.id = u.route_id
    JOIN supply_order o ON o.id = u.order_id
   WHERE r.month >= date_trunc('month', $1::date) AND r.month <= $2::date
     AND ($4::text[] IS NULL OR e.state_code = ANY ($4::text[]))
     AND ($5::bpchar[] IS NULL OR e.clues = ANY ($5::bpchar[]))
     AND ($6::text[] IS NULL OR e.level_of_care = ANY ($6::text[]))`;

const COLUMNS: Partial<Record<IndicatorDimension, string>> = {
  [IndicatorDimension.STATE]: 'state_code',
  [IndicatorDimension.ROUTE]: 'route_code',
  [IndicatorDimension.MONTH]: 'month',
  [IndicatorDimension.LEVEL_OF_CARE]: 'level_of_care',
  [IndicatorDimension.DELIVERY_DAY]: 'delivery_day',
};
const DIMENSIONS = [IndicatorDimension.STATE, IndicatorDimension.ROUTE, IndicatorDimension.MONTH, IndicatorDimension.LEVEL_OF_CARE];

const params = (q: IndicatorQuery) => [q.from, q.to, q.asOf, q.stateCodes, q.clues, q.levelsOfCare];

/** `measures` over `facts` (a relation of unit rows), grouped by the query's dimensions. */
function grouped(q: IndicatorQuery, facts: string, measures: string): string {
  const cols = q.groupBy.map((d) => COLUMNS[d]!);
  const g = grouping(cols, q.withTotal);
  return `SELECT ${cols.map((c) => `${c}, `).join('')}${measures}${g.flag} FROM (${facts}) f ${g.clause}`;
}

/**
 * Each unit once per day of its round, from the day of the round's first dispatch anywhere (day 1: the
 * round's, whatever the query's filters — a state's day 1 is the national round's) to the asOf
 * day: `delivery_day`, and whether it had received by the end of it (`supplied`). The government's
 * report of a round's first day (37.7 % of centres supplied) is day 1 of this series.
 */
const BY_DELIVERY_DAY = `
  WITH units AS (${ROUND_UNITS}),
  started AS (
    SELECT a.round_id, min((sh.dispatched_at AT TIME ZONE 'America/Mexico_City')::date) AS day1
      FROM distribution_round_unit a JOIN shipment sh ON sh.order_id = a.order_id
     WHERE a.round_id IN (SELECT round_id FROM units)
       AND sh.dispatched_at < (($3::date + 1)::timestamp AT TIME ZONE 'America/Mexico_City')
     GROUP BY a.round_id
  )
  SELECT u.*, d.delivery_day, (u.received_at IS NOT NULL AND (u.received_at AT TIME ZONE 'America/Mexico_City')::date <= s.day1 + d.delivery_day - 1) AS supplied
    FROM units u JOIN started s ON s.round_id = u.round_id
   CROSS JOIN LATERAL generate_series(1, ($3::date - s.day1) + 1) AS d(delivery_day)`;

registerIndicator({
  code: IndicatorCode.ROUND_UNITS_SUPPLIED,
  name: 'Unidades abastecidas en la ronda (Rutas de la Salud)',
  formula:
    'unidades de las rondas de los meses del periodo que recibieron su envío al cierre de la fecha de corte / unidades de esas rondas × 100; por DELIVERY_DAY, lo recibido al cierre de cada día desde el primer despacho de la ronda (día 1)',
  unit: '%',
  target: 100,
  dimensions: [...DIMENSIONS, IndicatorDimension.DELIVERY_DAY],
  // by delivery day the total is the last day's figure, not a sum over days
  totalWithRows: (groupBy) => !groupBy.includes(IndicatorDimension.DELIVERY_DAY),
  compute: (db, q) =>
    db.query(
      q.groupBy.includes(IndicatorDimension.DELIVERY_DAY)
        ? grouped(q, BY_DELIVERY_DAY, 'count(*) FILTER (WHERE supplied) AS numerator, count(*) AS denominator')
        : grouped(q, ROUND_UNITS, 'count(*) FILTER (WHERE received_at IS NOT NULL) AS numerator, count(*) AS denominator'),
      params(q),
    ),
});

registerIndicator({
  code: IndicatorCode.KIT_FILL_RATE,
  name: 'Surtimiento de kits (Rutas de la Salud)',
  formula:
    'Σ piezas aceptadas en las unidades / Σ piezas planeadas (las que cada unidad necesitaba del kit: piezas pedidas de su orden de la ronda) × 100 — rondas de los meses del periodo, según lo recibido al cierre de la fecha de corte',
  unit: '%',
  target: 100,
  dimensions: DIMENSIONS,
  compute: (db, q) =>
    db.query(
      grouped(
        q,
        `SELECT u.*, (SELECT sum(l.requested) FROM supply_order_line l WHERE l.order_id = u.order_id) AS planned,
                coalesce((SELECT sum(sl.accepted) FROM shipment sh JOIN shipment_line sl ON sl.shipment_id = sh.id
                           WHERE sh.order_id = u.order_id AND sh.received_at < (($3::date + 1)::timestamp AT TIME ZONE 'America/Mexico_City')), 0) AS accepted
           FROM (${ROUND_UNITS}) u`,
        'coalesce(sum(accepted), 0) AS numerator, coalesce(sum(planned), 0) AS denominator',
      ),
      params(q),
    ),
});

registerIndicator({
  code: IndicatorCode.ROUND_ON_TIME,
  name: 'Rondas entregadas a tiempo (Rutas de la Salud)',
  formula:
    'unidades que recibieron su envío a más tardar el último día de la semana de entrega de su ruta / unidades cuya semana de entrega ya terminó (antes de la fecha de corte) × 100 — rondas de los meses del periodo',
  unit: '%',
  target: 100,
  dimensions: DIMENSIONS,
  compute: (db, q) =>
    db.query(
      grouped(
        q,
        `SELECT u.*, u.received_at < ((u.promised_on + 1)::timestamp AT TIME ZONE 'America/Mexico_City') AS on_time FROM (${ROUND_UNITS}) u WHERE u.promised_on < $3::date`,
        'count(*) FILTER (WHERE on_time) AS numerator, count(*) AS denominator',
      ),
      params(q),
    ),
});
