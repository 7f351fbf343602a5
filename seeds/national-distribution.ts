/** One session: a query function (the national generator's, or a pool's). */
type Q = (sql: string, params?: unknown[]) => Promise<any>;

/** Rutas de la Salud in 2025 (issue 20): 8,061 centres, 147 claves a kit, 1,006 routes; 10,497 kits in the first round. */
export const RUTAS_2025 = { centres: 8061, claves: 147, routes: 1006, stopsPerRoute: 8 };

/**
 * Kits, sizes and routes in the 2025 proportions, set-based, on the national data set: first-level
 * centres get a DGIS typology by size (80 % one núcleo básico, 12 % two, 8 % three: 1.28 kits a centre,
 * as 10,497 kits for 8,061 centres), the kit KIT-PN holds 147 first-level claves, and nine in ten
 * first-level centres (the 2025 share) are put on routes of eight stops from their state's warehouse,
 * Birmex and Correos de México in turn, delivering in the third or fourth week. Deterministic.
 * Safe to run again: it does nothing once KIT-PN exists.
 */
export async function seedNationalDistribution(q: Q, share = 0.905): Promise<{ routes: number; stops: number; claves: number }> {
  const [{ exists }] = await q(`SELECT EXISTS (SELECT 1 FROM kit_template WHERE code = 'KIT-PN') AS exists`);
  if (!exists) {
    await q(`
      UPDATE establishment e SET typology_code = v.code, typology_name = v.name
        FROM (SELECT id, abs(hashtext(clues || 'size')) % 100 AS h FROM establishment WHERE kind = 'FIXED' AND level_of_care = 'FIRST') x
        CROSS JOIN LATERAL (SELECT * FROM (VALUES ('RU', 'RURAL DE 01 NUCLEO BASICO', 0, 80), ('RD', 'RURAL DE 02 NUCLEOS BASICOS', 80, 92), ('UR', 'URBANO DE 03 NUCLEOS BASICOS', 92, 100)) t(code, name, lo, hi)
                             WHERE x.h >= t.lo AND x.h < t.hi) v
       WHERE e.id = x.id`);
    await q(`INSERT INTO kit_template (code, version, name, level_of_care, valid_from, created_by)
             VALUES ('KIT-PN', 1, 'Kit de primer nivel (Rutas de la Salud)', 'FIRST', '2025-08-19', 'seed:national')`);
    await q(
      `INSERT INTO kit_template_line (template_id, supply_item_id, pieces)
       SELECT (SELECT id FROM kit_template WHERE code = 'KIT-PN'), s.id, 5 + (s.id % 8) * 5
         FROM (SELECT id FROM supply_item WHERE 'FIRST' = ANY (authorized_levels) ORDER BY clave LIMIT $1) s`,
      [RUTAS_2025.claves],
    );
    await q('DROP TABLE IF EXISTS seed_stops');
    await q(
      `CREATE TEMP TABLE seed_stops AS
       SELECT e.id, e.state_code, w.id AS warehouse_id,
              'R' || e.state_code || '-' || lpad(((row_number() OVER (PARTITION BY e.state_code ORDER BY e.clues) - 1) / $2 + 1)::text, 3, '0') AS route,
              ((row_number() OVER (PARTITION BY e.state_code ORDER BY e.clues) - 1) % $2 + 1)::int AS position
         FROM establishment e JOIN warehouse w ON w.id = e.supplying_warehouse_id
        WHERE e.kind = 'FIXED' AND e.level_of_care = 'FIRST' AND e.operating AND e.in_network AND abs(hashtext(e.clues || 'route')) % 1000 < $1::numeric * 1000`,
      [share, RUTAS_2025.stopsPerRoute],
    );
    await q(`
      INSERT INTO route (code, name, warehouse_id, carrier, delivery_week, kit_template_code, updated_by)
      SELECT route, 'Ruta ' || route, min(warehouse_id),
             CASE WHEN right(route, 1)::int % 2 = 0 THEN 'Birmex' ELSE 'Correos de México' END,
             CASE WHEN right(route, 1)::int % 2 = 0 THEN 3 ELSE 4 END, 'KIT-PN', 'seed:national'
        FROM seed_stops GROUP BY route`);
    await q(`
      INSERT INTO route_stop (route_id, position, establishment_id, kit_template_code)
      SELECT r.id, s.position, s.id, 'KIT-PN' FROM seed_stops s JOIN route r ON r.code = s.route`);
    await q('DROP TABLE IF EXISTS seed_stops');
  }
  const [c] = await q(`SELECT (SELECT count(*) FROM route)::int AS routes, (SELECT count(*) FROM route_stop)::int AS stops,
                              (SELECT count(*) FROM kit_template_line l JOIN kit_template t ON t.id = l.template_id WHERE t.code = 'KIT-PN')::int AS claves`);
  return c;
}
