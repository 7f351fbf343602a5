import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { appRouter } from './app';
import { dashboardRouter } from './dashboard';
import { graphiqlRouter, wantsIde } from './graphiql';
import { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import type { Config } from './config';
import { tokenVerifier, Viewer } from './base/auth';
import { Context } from './base/context';
import { createContext } from './graphql/context';
import { aliasLimit, costLimitPlugin, depthLimit, selectionLimit } from './graphql/limits';
import { getSchema } from './graphql/schema';
import { jitGateway } from './graphql/executor';
import { spanishInputMessage } from './graphql/messages';

export interface RunningServer {
  url: string;
  port: number;
  httpServer: http.Server;
  stop(): Promise<void>;
}

/** The HTTP server: GraphQL at /graphql, liveness at /healthz, readiness (database and schema) at /readyz. */
export async function createServer(db: DataSource, config: Config): Promise<{ app: express.Express; httpServer: http.Server; apollo: ApolloServer<Context> }> {
  const schema = await getSchema();
  const app = express();
  app.disable('x-powered-by');
  // No ETag: hashing every GraphQL response costs CPU, and POST responses are not revalidated.
  app.set('etag', false);
  const httpServer = http.createServer(app);
  const verify = tokenVerifier(config.auth);

  const apollo = new ApolloServer<Context>({
    ...(config.jit.enabled ? { gateway: jitGateway(schema, config.jit.compileAfter) } : { schema }),
    introspection: !config.production,
    hideSchemaDetailsFromClientErrors: config.production,
    // Stack traces reach a client only when the configuration asks (DEBUG_ERRORS=true), in any mode.
    includeStacktraceInErrorResponses: config.debugErrors,
    csrfPrevention: true,
    // main.ts stops the server, then the database, on SIGINT/SIGTERM (and a cluster's primary its workers first).
    stopOnTerminationSignals: false,
    validationRules: [selectionLimit(config.limits.maxSelections), depthLimit(config.limits.maxDepth), aliasLimit(config.limits.maxAliases)],
    // Compact JSON: pretty-printing every response costs time and bytes nobody reads.
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // No HTTP cache hints are used; without this plugin Apollo does not wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      costLimitPlugin(schema, config.limits.maxCost, config.limits.maxSelections),
      // no landing page: Apollo's loads its Sandbox from a CDN; development has GraphiQL from node_modules (graphiql.ts)
      ApolloServerPluginLandingPageDisabled(),
    ],
    formatError: (raw, error) => {
      const code = raw.extensions?.code;
      // A value the schema refuses (a variable or a literal), in Spanish like every other message.
      const spanish = code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED' ? spanishInputMessage(raw.message, error) : undefined;
      const formatted = spanish ? { ...raw, message: spanish } : raw;
      // Apollo files every validation failure under one code; the query limits keep their own.
      const original = (error as GraphQLError)?.originalError;
      if (code === 'GRAPHQL_VALIDATION_FAILED' && original instanceof GraphQLError && typeof original.extensions?.code === 'string') {
        return { ...formatted, extensions: { ...formatted.extensions, code: original.extensions.code } };
      }
      // PostgreSQL stores no NUL character in text: a string argument holding one is the caller's error.
      const cause = (error as GraphQLError)?.originalError as { code?: string; driverError?: { code?: string } } | undefined;
      const sqlState = cause?.code ?? cause?.driverError?.code;
      if (code === 'INTERNAL_SERVER_ERROR' && sqlState === '22021') {
        return { message: 'El texto contiene un carácter no admitido (el carácter nulo \\u0000).', path: formatted.path, extensions: { code: 'INVALID_TEXT' } };
      }
      // DATABASE_STATEMENT_TIMEOUT cancelled a statement (a mutation's transaction rolled back whole).
      if (code === 'INTERNAL_SERVER_ERROR' && sqlState === '57014') {
        return {
          message: `Esta operación tardó más de ${config.database.statementTimeoutMs / 1000} s y se canceló sin aplicarse. Acótela (por entidad, CLUES o clave) o pida menos a la vez.`,
          path: formatted.path,
          extensions: { code: 'STATEMENT_TIMEOUT' },
        };
      }
      if (code === 'INTERNAL_SERVER_ERROR') {
        console.error('internal error:', (error as GraphQLError)?.originalError ?? error);
        if (config.production) return { message: 'Error interno del servidor.', extensions: { code } };
      }
      return formatted;
    },
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.query('SELECT 1');
      const pending = await db.showMigrations();
      res.status(pending ? 503 : 200).json({ status: pending ? 'migrations pending' : 'ready' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });

  app.use('/dashboard', dashboardRouter());
  app.use('/app', appRouter());
  if (!config.production) {
    app.use('/graphiql', graphiqlRouter());
    // a browser opening /graphql gets the IDE
    app.get('/graphql', (req, res, next) => (wantsIde(req) ? res.redirect('/graphiql/') : next()));
  }
  app.get('/', (_req, res) => res.redirect('/dashboard/'));
  // The caller is known before the body is read: a bad token is answered 401 without parsing it, and a
  // request without a token may send only a small body (enough for an introspection query in development).
  const authenticatedBody = express.json({ limit: config.limits.maxBodyBytes });
  const anonymousBody = express.json({ limit: config.limits.maxAnonymousBodyBytes });
  app.use(
    '/graphql',
    async (req: express.Request, res: express.Response, next: express.NextFunction) => {
      // Answers carry one caller's data: no shared or browser cache keeps them.
      res.setHeader('Cache-Control', 'no-store');
      try {
        res.locals.viewer = await viewerFromHeader(req.headers.authorization, verify);
      } catch (err) {
        const e = err as GraphQLError;
        res.status(401).set({ 'WWW-Authenticate': 'Bearer', Connection: 'close' }).json({ errors: [{ message: e.message, extensions: { code: e.extensions.code } }] });
        return;
      }
      (res.locals.viewer ? authenticatedBody : anonymousBody)(req, res, next);
    },
    expressMiddleware(apollo, {
      context: async ({ res }) => createContext(db, config, res.locals.viewer as Viewer | null),
    }),
  );
  // Body-parser failures (too large, malformed JSON) answer 4xx with a GraphQL-shaped body.
  app.use((err: { status?: number; type?: string; message: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!err.status || err.status >= 500) return next(err);
    const tooLarge = err.type === 'entity.too.large';
    const message = tooLarge
      ? `La solicitud es demasiado grande: el máximo es ${res.locals.viewer ? config.limits.maxBodyBytes : config.limits.maxAnonymousBodyBytes} bytes${res.locals.viewer ? '' : ' sin un token válido'}.`
      : err.type === 'entity.parse.failed'
        ? 'El cuerpo de la solicitud no es JSON válido.'
        : `Solicitud inválida: ${err.message}`;
    res.status(err.status).json({ errors: [{ message, extensions: { code: tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' } }] });
  });
  return { app, httpServer, apollo };
}

async function viewerFromHeader(header: string | undefined, verify: (t: string) => Promise<Viewer>): Promise<Viewer | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  try {
    if (!match) throw new Error('not a bearer token');
    return await verify(match[1]);
  } catch {
    throw new GraphQLError('Token inválido o vencido.', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}

export async function startServer(db: DataSource, config: Config, port = config.port): Promise<RunningServer> {
  const { httpServer, apollo } = await createServer(db, config);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, config.host, resolve);
  });
  const address = httpServer.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${actualPort}/graphql`,
    port: actualPort,
    httpServer,
    stop: () => apollo.stop(),
  };
}
