import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consumo promedio mensual (SPEC §4): the calculation as one SQL function used both by the single,
 * explainable calculation and by the national batch; stored calculations; yearly submissions with
 * their lines and history; and the history of operating status and network membership the
 * network indicators read "as of" a date.
 */
export class Cpm1764057600000 implements MigrationInterface {
  name = 'Cpm1764057600000';

  async up(q: QueryRunner): Promise<void> {
    // Per (location, clave, month of the lookback): consumption, stock-out days, days, and why the
    // month is left out (NULL = kept). Business days are Mexico City days.
    await q.query(`
      CREATE FUNCTION cpm_months(p_est int[], p_item int[], p_month date, p_lookback int, p_excluded date[])
      RETURNS TABLE (establishment_id int, supply_item_id int, month date, consumption bigint, stock_out_days int, days int, excluded_reason text)
      LANGUAGE sql STABLE AS $fn$
      WITH pairs AS (
        SELECT DISTINCT p.est, p.item, EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = p.est) AS is_warehouse
          FROM unnest(p_est, p_item) AS p(est, item)
      ),
      months AS (
        SELECT m::date AS m, (m + interval '1 month')::date AS m_end, ((m + interval '1 month')::date - m::date) AS days
          FROM generate_series((p_month - make_interval(months => p_lookback))::date, (p_month - interval '1 month')::date, interval '1 month') AS m
      ),
      window_end AS (SELECT (p_month::timestamp AT TIME ZONE 'America/Mexico_City') AS t),
      first_entry AS (
        SELECT f.est, (min(sm.occurred_at) AT TIME ZONE 'America/Mexico_City')::date AS first_day
          FROM (SELECT DISTINCT est FROM pairs) f JOIN stock_movement sm ON sm.establishment_id = f.est
         GROUP BY f.est
      ),
      -- c(m): pieces out to patients and wards (DISPENSE, CONSUMPTION), or dispatched for a warehouse;
      -- a movement later reversed did not happen.
      consumption AS (
        SELECT p.est, p.item, date_trunc('month', sm.occurred_at AT TIME ZONE 'America/Mexico_City')::date AS m, -sum(sm.quantity) AS c
          FROM pairs p
          JOIN stock_movement sm ON sm.establishment_id = p.est AND sm.supply_item_id = p.item
         WHERE sm.kind = ANY (CASE WHEN p.is_warehouse THEN ARRAY['DISPATCH'] ELSE ARRAY['DISPENSE', 'CONSUMPTION'] END)
           AND sm.occurred_at >= ((p_month - make_interval(months => p_lookback))::timestamp AT TIME ZONE 'America/Mexico_City')
           AND sm.occurred_at < (SELECT t FROM window_end)
           AND NOT EXISTS (SELECT 1 FROM stock_movement r WHERE r.reverses_id = sm.id)
         GROUP BY 1, 2, 3
      ),
      -- Each lot's balance at the end of every day it changed, held until its next change.
      lot_days AS (
        SELECT p.est, p.item, sm.lot_id, (sm.occurred_at AT TIME ZONE 'America/Mexico_City')::date AS d, sum(sm.quantity) AS q
          FROM pairs p
          JOIN stock_movement sm ON sm.establishment_id = p.est AND sm.supply_item_id = p.item
         WHERE sm.occurred_at < (SELECT t FROM window_end)
         GROUP BY 1, 2, 3, 4
      ),
      lot_runs AS (
        SELECT est, item, lot_id, d, sum(q) OVER w AS bal, lead(d) OVER w AS next_d
          FROM lot_days WINDOW w AS (PARTITION BY est, item, lot_id ORDER BY d)
      ),
      -- A lot counts as usable through its expiry day: its balance contributes on [d, min(next change, expiry + 1)).
      segments AS (
        SELECT r.est, r.item, r.d AS a, LEAST(coalesce(r.next_d, 'infinity'::date), coalesce(l.expires_on + 1, 'infinity'::date)) AS b, r.bal
          FROM lot_runs r JOIN lot l ON l.id = r.lot_id
         WHERE r.bal <> 0 AND (l.expires_on IS NULL OR r.d <= l.expires_on)
      ),
      changes AS (
        SELECT est, item, d, sum(delta) AS delta FROM (
          SELECT est, item, a AS d, bal AS delta FROM segments
          UNION ALL
          SELECT est, item, b, -bal FROM segments WHERE b <> 'infinity'::date
        ) e GROUP BY 1, 2, 3
      ),
      usable AS (
        SELECT est, item, d AS a, coalesce(lead(d) OVER w, 'infinity'::date) AS b, sum(delta) OVER w AS pieces
          FROM changes WINDOW w AS (PARTITION BY est, item ORDER BY d)
      ),
      stocked AS (
        SELECT u.est, u.item, mo.m, sum(LEAST(u.b, mo.m_end) - GREATEST(u.a, mo.m)) AS stocked_days
          FROM usable u JOIN months mo ON u.a < mo.m_end AND u.b > mo.m
         WHERE u.pieces > 0
         GROUP BY 1, 2, 3
      )
      SELECT p.est, p.item, mo.m, coalesce(c.c, 0)::bigint, (mo.days - coalesce(s.stocked_days, 0))::int, mo.days,
             CASE WHEN mo.m = ANY (p_excluded) THEN 'EXCLUDED'
                  WHEN f.first_day IS NULL OR mo.m_end <= f.first_day THEN 'BEFORE_FIRST_ENTRY'
                  WHEN coalesce(s.stocked_days, 0) = 0 THEN 'STOCKED_OUT_ALL_MONTH'
             END
        FROM pairs p
       CROSS JOIN months mo
        LEFT JOIN consumption c ON c.est = p.est AND c.item = p.item AND c.m = mo.m
        LEFT JOIN stocked s ON s.est = p.est AND s.item = p.item AND s.m = mo.m
        LEFT JOIN first_entry f ON f.est = p.est
      $fn$`);

    // CPM = ceil(Σ a(m) / k) over the k months kept, a(m) = c(m)·d(m) / (d(m) − s(m)); NULL when k = 0.
    // Divisions keep 30 decimals; the 1e-20 nudge lets an exact integer stay itself (a true fraction
    // of these denominators is never that close to one).
    await q.query(`
      CREATE FUNCTION cpm_value(consumption bigint[], stock_out_days int[], days int[], kept boolean[])
      RETURNS int LANGUAGE sql IMMUTABLE AS $fn$
        SELECT CASE WHEN count(*) FILTER (WHERE k) = 0 THEN NULL
                    ELSE ceil(sum(round(c::numeric * d / (d - s), 30)) FILTER (WHERE k) / count(*) FILTER (WHERE k) - 1e-20)::int END
          FROM unnest(consumption, stock_out_days, days, kept) AS x(c, s, d, k)
      $fn$`);

    // Stock status of SPEC §4 from usable pieces, the CPM and the months-of-stock band.
    await q.query(`
      CREATE FUNCTION stock_status(usable bigint, cpm int, min_months numeric, max_months numeric)
      RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
        SELECT CASE WHEN usable <= 0 THEN 'STOCKED_OUT'
                    WHEN cpm IS NULL OR cpm = 0 THEN 'NO_CPM'
                    WHEN usable::numeric / cpm < min_months THEN 'UNDERSTOCKED'
                    WHEN usable::numeric / cpm > max_months THEN 'OVERSTOCKED'
                    ELSE 'ADEQUATE' END
      $fn$`);

    await q.query(`
      CREATE TABLE cpm_calculation (
        establishment_id integer NOT NULL REFERENCES establishment (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        lookback_months smallint NOT NULL CHECK (lookback_months BETWEEN 3 AND 12),
        excluded_months date[] NOT NULL DEFAULT '{}',
        value integer CHECK (value >= 0),
        reason text CHECK (reason IN ('NO_DATA')),
        months jsonb NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (establishment_id, supply_item_id, month),
        CHECK ((value IS NULL) = (reason IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX cpm_calculation_latest_idx ON cpm_calculation (establishment_id, supply_item_id, month DESC)`);

    await q.query(`
      CREATE TABLE cpm_submission (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        establishment_id integer NOT NULL REFERENCES establishment (id),
        year smallint NOT NULL CHECK (year BETWEEN 2000 AND 2200),
        status text NOT NULL CHECK (status IN ('PROPOSED', 'RATIFIED', 'RETURNED')),
        calculated_from date NOT NULL,
        proposed_at timestamptz NOT NULL DEFAULT now(),
        proposed_by text NOT NULL,
        ratified_at timestamptz,
        ratified_by text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (establishment_id, year),
        CHECK ((status = 'RATIFIED') = (ratified_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX cpm_submission_year_idx ON cpm_submission (year, status)`);
    await q.query(`
      CREATE TABLE cpm_submission_line (
        submission_id integer NOT NULL REFERENCES cpm_submission (id),
        supply_item_id integer NOT NULL REFERENCES supply_item (id),
        cpm integer NOT NULL CHECK (cpm >= 0),
        calculated integer CHECK (calculated >= 0),
        justification text CHECK (length(justification) <= 1000),
        PRIMARY KEY (submission_id, supply_item_id)
      )`);
    await q.query(`
      CREATE TABLE cpm_submission_event (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        submission_id integer NOT NULL REFERENCES cpm_submission (id),
        action text NOT NULL CHECK (action IN ('PROPOSED', 'UPDATED', 'RATIFIED', 'RETURNED', 'IMPORTED')),
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        reason text CHECK (length(reason) <= 1000),
        lines_changed integer NOT NULL DEFAULT 0
      )`);

    // Operating status and network membership over time, for indicators "as of" a date. The row in
    // force on a day is the latest with effective_on on or before it.
    await q.query(`
      CREATE TABLE establishment_status_change (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        establishment_id integer NOT NULL REFERENCES establishment (id) ON DELETE CASCADE,
        effective_on date NOT NULL,
        operating boolean NOT NULL,
        in_network boolean NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        actor text,
        UNIQUE (establishment_id, effective_on)
      )`);
    // What is already registered has been as it is since always.
    await q.query(`
      INSERT INTO establishment_status_change (establishment_id, effective_on, operating, in_network, actor)
      SELECT id, '-infinity', operating, in_network, 'migration' FROM establishment`);
    // Kept by a trigger, whoever writes (the API, an import): a new CLUES has its status since
    // always; a change takes effect on the day the writer sets in abasto.status_effective_on, else today.
    await q.query(`
      CREATE FUNCTION establishment_status_history() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        eff date;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          eff := '-infinity';
        ELSIF (NEW.operating, NEW.in_network) IS NOT DISTINCT FROM (OLD.operating, OLD.in_network) THEN
          RETURN NEW;
        ELSE
          eff := coalesce(nullif(current_setting('abasto.status_effective_on', true), '')::date,
                          (now() AT TIME ZONE 'America/Mexico_City')::date);
        END IF;
        INSERT INTO establishment_status_change (establishment_id, effective_on, operating, in_network, actor)
        VALUES (NEW.id, eff, NEW.operating, NEW.in_network, nullif(current_setting('abasto.actor', true), ''))
        ON CONFLICT (establishment_id, effective_on)
          DO UPDATE SET operating = EXCLUDED.operating, in_network = EXCLUDED.in_network, recorded_at = now(), actor = EXCLUDED.actor;
        RETURN NEW;
      END $fn$`);
    await q.query(`
      CREATE TRIGGER establishment_status_history AFTER INSERT OR UPDATE OF operating, in_network ON establishment
        FOR EACH ROW EXECUTE FUNCTION establishment_status_history()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER establishment_status_history ON establishment');
    await q.query('DROP FUNCTION establishment_status_history()');
    await q.query('DROP TABLE establishment_status_change');
    await q.query('DROP TABLE cpm_submission_event');
    await q.query('DROP TABLE cpm_submission_line');
    await q.query('DROP TABLE cpm_submission');
    await q.query('DROP TABLE cpm_calculation');
    await q.query('DROP FUNCTION stock_status(bigint, int, numeric, numeric)');
    await q.query('DROP FUNCTION cpm_value(bigint[], int[], int[], boolean[])');
    await q.query('DROP FUNCTION cpm_months(int[], int[], date, int, date[])');
  }
}
