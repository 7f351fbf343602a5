import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** The development secret: fine on a laptop, refused with NODE_ENV=production. */
export const DEVELOPMENT_JWT_SECRET = 'abasto-development-secret-change-me';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A length of time in seconds from `30d`, `12h`, `90m`, `45s` or a bare number of seconds; undefined when it is none. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d{1,9})\s*([smhd]?)$/.exec(value.trim());
  const seconds = m ? Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2] || 's'] : undefined;
  return seconds ? seconds : undefined;
}

const duration = z
  .string()
  .transform((v) => parseDuration(v))
  .refine((s): s is number => s !== undefined, 'a length of time: a number of seconds, or a number with s, m, h or d (e.g. 30d)');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().default('0.0.0.0'),
    WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
    DATABASE_URL: z.string().url().optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_STATEMENT_TIMEOUT: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    DATA_DIR: z.string().default('.data'),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
    JWT_SECRET: z.string().min(16).optional(),
    JWKS_URL: z.string().url().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    JWT_MAX_LIFETIME: duration.default('30d'),
    DEMO_DATA: bool.default('true'),
    MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(50).default(12),
    MAX_QUERY_COST: z.coerce.number().int().min(10).default(25000),
    MAX_ALIASES: z.coerce.number().int().min(1).default(30),
    MAX_SELECTIONS: z.coerce.number().int().min(10).default(5000),
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
    MAX_ANONYMOUS_BODY_BYTES: z.coerce.number().int().min(1024).default(16_384),
    LOG_SQL: bool.default('false'),
    DEBUG_ERRORS: bool.default('false'),
    DATABASE_PREPARED_STATEMENTS: bool.default('true'),
    GRAPHQL_JIT: bool.default('true'),
    GRAPHQL_JIT_AFTER: z.coerce.number().int().min(0).default(1),
    STOCK_UNIT_MIN_MONTHS: z.coerce.number().min(0).default(1),
    STOCK_UNIT_MAX_MONTHS: z.coerce.number().min(0).default(3),
    STOCK_WAREHOUSE_MIN_MONTHS: z.coerce.number().min(0).default(2),
    STOCK_WAREHOUSE_MAX_MONTHS: z.coerce.number().min(0).default(6),
    PLAN_SAFETY_MONTHS: z.coerce.number().min(0).max(12).default(1),
    CONTRACT_MIN_RATIO: z.coerce.number().min(0).max(1).default(0.4),
  })
  .superRefine((env, ctx) => {
    for (const who of ['UNIT', 'WAREHOUSE'] as const) {
      if (env[`STOCK_${who}_MIN_MONTHS`] > env[`STOCK_${who}_MAX_MONTHS`]) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [`STOCK_${who}_MIN_MONTHS`], message: 'must not exceed the maximum' });
      }
    }
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET && !env.JWKS_URL) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['JWT_SECRET'],
        message: 'JWT_SECRET or JWKS_URL is required when NODE_ENV=production',
      });
    }
  });

export type Config = ReturnType<typeof parseConfig>;

/** Every environment variable the product reads, parsed once. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    production: e.NODE_ENV === 'production',
    port: e.PORT,
    host: e.HOST,
    /**
     * HTTP server processes (WORKERS; `auto`: one per core). One Node.js process runs JavaScript on one
     * core; with more, the primary process owns the database start-up and the workers share the port.
     * Each worker has its own pool of DATABASE_POOL_SIZE connections.
     */
    workers: e.WORKERS === 'auto' ? os.availableParallelism() : e.WORKERS,
    databaseUrl: e.DATABASE_URL,
    poolSize: e.DATABASE_POOL_SIZE,
    database: {
      /**
       * The longest one SQL statement may run on the server's connections (DATABASE_STATEMENT_TIMEOUT, in
       * milliseconds; 0 = no limit). The request gets STATEMENT_TIMEOUT and its transaction rolls back.
       * Batch commands (imports, exports, cpm:batch, seed:national) and migrations have no limit.
       */
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT,
    },
    dataDir: path.resolve(e.DATA_DIR),
    embeddedPort: e.EMBEDDED_PG_PORT,
    auth: {
      secret: e.JWT_SECRET ?? (e.JWKS_URL ? undefined : DEVELOPMENT_JWT_SECRET),
      jwksUrl: e.JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      /** The longest an HS256 token may live (exp − iat, in seconds): longer ones are refused, and `npm run token` makes none. */
      maxLifetimeSeconds: e.JWT_MAX_LIFETIME,
    },
    demoData: e.DEMO_DATA,
    limits: {
      maxDepth: e.MAX_QUERY_DEPTH,
      maxCost: e.MAX_QUERY_COST,
      maxAliases: e.MAX_ALIASES,
      maxSelections: e.MAX_SELECTIONS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      /** A request without a token: enough for an introspection query; its fields answer UNAUTHENTICATED anyway. */
      maxAnonymousBodyBytes: e.MAX_ANONYMOUS_BODY_BYTES,
    },
    logSql: e.LOG_SQL,
    /** Stack traces in GraphQL error responses (`extensions.stacktrace`): never unless DEBUG_ERRORS=true. */
    debugErrors: e.DEBUG_ERRORS,
    /** Hot reads as named prepared statements (off behind a pooler that cannot keep them, such as PgBouncer before 1.21). */
    preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    /**
     * Queries compiled with graphql-jit once graphql-js has run them `compileAfter` times (GRAPHQL_JIT=false:
     * every operation interpreted by graphql-js).
     */
    jit: { enabled: e.GRAPHQL_JIT, compileAfter: e.GRAPHQL_JIT_AFTER },
    /** Months-of-stock band (SPEC §4) for units and for warehouses. */
    stockThresholds: {
      unit: { minMonths: e.STOCK_UNIT_MIN_MONTHS, maxMonths: e.STOCK_UNIT_MAX_MONTHS },
      warehouse: { minMonths: e.STOCK_WAREHOUSE_MIN_MONTHS, maxMonths: e.STOCK_WAREHOUSE_MAX_MONTHS },
    },
    /** Procurement (SPEC §4): safety months in the plan; an open contract's minimum as a share of its maximum. */
    procurement: { safetyMonths: e.PLAN_SAFETY_MONTHS, contractMinRatio: e.CONTRACT_MIN_RATIO },
  };
}
