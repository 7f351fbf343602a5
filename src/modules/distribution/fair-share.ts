/**
 * Fair shares when a warehouse cannot cover a round (issue 20): THE rule, as set-based SQL over every
 * (warehouse, clave) of a round at once.
 *
 * Each unit's need of a clave (`need`: its kits × the kit's pieces, or in TOP_UP what it lacks of that) is
 * served in three tiers, each filled completely before the next gets anything:
 *
 *   1. units stocked out (nothing usable on hand, nothing on the way): their whole need;
 *   2. the other units: what they lack against the kit standard (`lack`);
 *   3. everyone: the rest of their need (FULL_KIT only: pieces beyond the standard's lack).
 *
 * When a tier cannot be filled, what is left is shared in proportion to the tier's claims, in whole
 * pieces: each unit gets floor(left × claim / Σ claims), and the pieces that remain go one each to the
 * largest remainders, ties to the lowest CLUES (Hamilton's largest-remainder method: deterministic, and no
 * unit ever gets more than its claim). Nothing is allocated beyond `available`.
 *
 * `needs` is SQL of rows (warehouse_id, supply_item_id, establishment_id, clues, need, lack, stocked_out);
 * `available` of rows (warehouse_id, supply_item_id, available). The result has the `needs` columns and
 * `allocated`.
 */
export function fairShareSql(needs: string, available: string): string {
  const g = 'PARTITION BY warehouse_id, supply_item_id';
  const tier = (k: number, from: string, claim: string) => `
    t${k}_in AS (
      -- sum() of bigint is numeric in PostgreSQL: back to bigint, so that / and % below are whole-number division
      SELECT f.*, (${claim})::bigint AS claim${k}, (sum(${claim}) OVER (${g}))::bigint AS total${k}
        FROM ${from} f
    ),
    t${k}_base AS (
      SELECT t.*,
             CASE WHEN total${k} <= left${k - 1} THEN claim${k} ELSE (left${k - 1} * claim${k}) / nullif(total${k}, 0) END AS base${k},
             CASE WHEN total${k} <= left${k - 1} THEN 0 ELSE (left${k - 1} * claim${k}) % nullif(total${k}, 0) END AS frac${k}
        FROM t${k}_in t
    ),
    t${k} AS (
      SELECT t.*, base${k} + CASE WHEN row_number() OVER (${g} ORDER BY frac${k} DESC, clues) <= left${k - 1} - (sum(base${k}) OVER (${g}))::bigint
                                       AND frac${k} > 0 THEN 1 ELSE 0 END AS got${k}
        FROM t${k}_base t
    ),
    t${k}_left AS (
      SELECT t.*, left${k - 1} - (sum(got${k}) OVER (${g}))::bigint AS left${k} FROM t${k} t
    )`;
  return `
    WITH t0_left AS (
      SELECT n.warehouse_id, n.supply_item_id, n.establishment_id, n.clues, n.need::bigint AS need, n.lack::bigint AS lack, n.stocked_out,
             coalesce(a.available, 0)::bigint AS left0
        FROM (${needs}) n LEFT JOIN (${available}) a USING (warehouse_id, supply_item_id)
    ),
    ${tier(1, 't0_left', 'CASE WHEN stocked_out THEN need ELSE 0 END')},
    ${tier(2, 't1_left', 'CASE WHEN stocked_out THEN 0 ELSE least(lack, need) END')},
    ${tier(3, 't2_left', 'need - claim1 - claim2')}
    SELECT warehouse_id, supply_item_id, establishment_id, clues, need, lack, stocked_out, (got1 + got2 + got3)::int AS allocated
      FROM t3_left`;
}
