-- The stock page for PostGraphile, with the same figures as Abasto's: the hand-written query of
-- bench/run.js's raw SQL (usable pieces, the CPM in force, lots) as a function PostGraphile exposes,
-- plus months of stock and status. Created by bench/run.js in a schema of its own (bench_pgl), never
-- by the product's migrations.
CREATE SCHEMA IF NOT EXISTS bench_pgl;
DROP FUNCTION IF EXISTS bench_pgl.stock_levels(text);
DROP TYPE IF EXISTS bench_pgl.stock_level;
CREATE TYPE bench_pgl.stock_level AS (clave text, usable bigint, cpm int, months_of_stock float8, status text, lots json);
CREATE FUNCTION bench_pgl.stock_levels(clues text) RETURNS SETOF bench_pgl.stock_level LANGUAGE sql STABLE AS $fn$
  SELECT si.clave, usable, c.cpm, CASE WHEN c.cpm > 0 THEN usable::float8 / c.cpm END,
         stock_status(usable, c.cpm, CASE WHEN warehouse THEN 2 ELSE 1 END, CASE WHEN warehouse THEN 6 ELSE 3 END), lots
    FROM (
      SELECT b.supply_item_id, b.establishment_id,
             coalesce(sum(b.quantity) FILTER (WHERE l.expires_on IS NULL OR l.expires_on >= timezone('America/Mexico_City', now())::date), 0)::bigint AS usable,
             coalesce(json_agg(json_build_object('lotNumber', l.lot_number, 'expiresOn', l.expires_on, 'quantity', b.quantity) ORDER BY l.expires_on NULLS LAST, l.lot_number)
               FILTER (WHERE b.quantity > 0), '[]') AS lots,
             EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = b.establishment_id) AS warehouse
        FROM stock_balance b JOIN lot l ON l.id = b.lot_id
       WHERE b.establishment_id = (SELECT id FROM establishment WHERE establishment.clues = stock_levels.clues::bpchar)
       GROUP BY b.establishment_id, b.supply_item_id
    ) x
    JOIN supply_item si ON si.id = x.supply_item_id
    LEFT JOIN LATERAL cpm_in_force(x.establishment_id, x.supply_item_id, extract(year FROM timezone('America/Mexico_City', now()))::int,
                                   date_trunc('month', timezone('America/Mexico_City', now()))::date) c ON true
   ORDER BY si.clave
$fn$;
