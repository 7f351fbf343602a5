import { Pool, type PoolConfig } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * The DataSource every command opens (src/db/data-source.ts openDatabase), which owns the pool of its
 * hot reads and closes it with itself.
 *
 * The hot reads outside a transaction (src/db/prepared.ts) run on a pool of their own, whose connections
 * plan named statements once (plan_cache_mode = force_generic_plan). These statements are written for one
 * plan each (only the conditions a request sets, in their own text); with PostgreSQL's default, the stock
 * page was planned again on every execution, which cost about as much as running it. The setting cannot
 * stay on the TypeORM pool: it also applies to statements with parameters sent unnamed, and an indicator
 * planned once for any filter ran twice as long.
 */
export class Database extends DataSource {
  /** The hot-read pool; undefined when hot reads run as plain statements (DATABASE_PREPARED_STATEMENTS=false). */
  hotReads?: Pool;

  constructor(options: DataSourceOptions, hotReads: PoolConfig | null) {
    super(options);
    if (hotReads) {
      this.hotReads = new Pool({ ...hotReads, options: [process.env.PGOPTIONS, '-c plan_cache_mode=force_generic_plan'].filter(Boolean).join(' ') });
      this.hotReads.on('error', () => undefined); // an idle connection the server closed; the next query gets another
    }
  }

  async destroy(): Promise<void> {
    const pool = this.hotReads;
    this.hotReads = undefined;
    await pool?.end().catch(() => undefined);
    if (this.isInitialized) await super.destroy();
  }
}
