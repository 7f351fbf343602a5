import { IndicatorCode, IndicatorDimension } from './indicator.types';
import { networkParams, networkQuery, networkTotalWithRows, registerIndicator } from './indicators';

/** Days, ending on the as-of day, in which a unit must have recorded a movement to count as active. */
export const FRESHNESS_DAYS = 30;

/**
 * Official indicator 52: units whose latest SAI status on or before the day is IN_OPERATION / units
 * of the network that day × 100 (target 60 %). Each row also says how many of the units in
 * operation have a stock movement dated in the 30 days ending that day — whether the system that is
 * "in operation" is actually being used (data freshness).
 */
registerIndicator({
  code: IndicatorCode.SAI_ROLLOUT,
  name: 'Unidades con el SAI en operación (indicador 52)',
  formula:
    'unidades cuyo último estatus SAI a la fecha es «en operación» / unidades de la red a la fecha (fijas o móviles, en operación y en IMSS-BIENESTAR) × 100; ' +
    `con movimientos: de ellas, las que registraron un movimiento de inventario en los ${FRESHNESS_DAYS} días que terminan en la fecha`,
  unit: '%',
  target: 60,
  dimensions: [IndicatorDimension.STATE, IndicatorDimension.LEVEL_OF_CARE, IndicatorDimension.ESTABLISHMENT, IndicatorDimension.MONTH],
  totalWithRows: networkTotalWithRows,
  compute: (db, q) =>
    db.query(
      networkQuery(
        q,
        `coalesce((SELECT s.status = 'IN_OPERATION' FROM sai_status_change s
                    WHERE s.establishment_id = u.establishment_id AND s.effective_on <= u.day
                    ORDER BY s.effective_on DESC LIMIT 1), false) AS live,
         EXISTS (SELECT 1 FROM stock_movement m
                  WHERE m.establishment_id = u.establishment_id
                    AND m.occurred_at >= ((u.day - ${FRESHNESS_DAYS - 1})::timestamp AT TIME ZONE 'America/Mexico_City')
                    AND m.occurred_at < ((u.day + 1)::timestamp AT TIME ZONE 'America/Mexico_City')) AS fresh`,
        'count(*) FILTER (WHERE live)',
        'count(*) FILTER (WHERE live AND fresh) AS active_units',
      ),
      networkParams(q),
    ),
});
