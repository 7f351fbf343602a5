import { IndicatorCode, IndicatorDimension } from './indicator.types';
import { networkParams, networkQuery, networkTotalWithRows, registerIndicator } from './indicators';

/**
 * Official indicator 51 (PAT 2024, strategy 3.4): units that ratified their CPM for the fiscal year
 * on or before the day / units of the network that day × 100. A submission counts as ratified when
 * its latest RATIFIED-or-RETURNED event up to the end of that day is RATIFIED.
 */
registerIndicator({
  code: IndicatorCode.CPM_RATIFICATION,
  name: 'Unidades con CPM ratificado (indicador 51)',
  formula:
    'unidades con su CPM del año fiscal ratificado a la fecha / unidades de la red a la fecha (fijas o móviles, en operación y en IMSS-BIENESTAR) × 100',
  unit: '%',
  target: 100,
  // Read per fiscal year (filter.year): the years some unit submitted a CPM for.
  fiscalYears: async (db) => (await db.query('SELECT DISTINCT year FROM cpm_submission ORDER BY year DESC')).map((r: { year: number }) => Number(r.year)),
  dimensions: [IndicatorDimension.STATE, IndicatorDimension.LEVEL_OF_CARE, IndicatorDimension.ESTABLISHMENT, IndicatorDimension.MONTH],
  totalWithRows: networkTotalWithRows,
  compute: (db, q) =>
    db.query(
      networkQuery(
        q,
        `coalesce((SELECT ev.action = 'RATIFIED' FROM cpm_submission cs JOIN cpm_submission_event ev ON ev.submission_id = cs.id
                    WHERE cs.establishment_id = u.establishment_id AND cs.year = u.fiscal AND ev.action IN ('RATIFIED', 'RETURNED')
                      AND ev.at < ((u.day + 1)::timestamp AT TIME ZONE 'America/Mexico_City')
                    ORDER BY ev.at DESC, ev.id DESC LIMIT 1), false) AS ratified`,
        'count(*) FILTER (WHERE ratified)',
      ),
      networkParams(q),
    ),
});
