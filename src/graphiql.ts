import path from 'node:path';
import express from 'express';
import { pageHeaders } from './web-page';

const PUBLIC = path.resolve(__dirname, '../public/graphiql');
const modulePath = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
const VENDOR: Record<string, string> = {
  'react.production.min.js': modulePath('react', 'umd/react.production.min.js'),
  'react-dom.production.min.js': modulePath('react-dom', 'umd/react-dom.production.min.js'),
  'graphiql.min.js': modulePath('graphiql', 'dist/index.umd.js'),
  'graphiql.min.css': modulePath('graphiql', 'dist/style.css'),
};

/**
 * GraphiQL, the GraphQL IDE, for development (not with NODE_ENV=production): served from node_modules
 * (GraphiQL 3's browser build with React 18) under the dashboard's Content-Security-Policy, so that it
 * works on a hospital network without the internet — Apollo's landing page loads its Sandbox from a CDN.
 * The page has a token field; the token is kept for the browser tab only, as the dashboard keeps it.
 * `GET /graphql` from a browser opens it; the assets are under /graphiql/.
 */
export function graphiqlRouter(): express.Router {
  const router = express.Router();
  router.use(pageHeaders({ inlineStyles: true, dataFonts: true }));
  router.get('/vendor/:file', (req, res, next) => {
    const file = VENDOR[req.params.file];
    if (!file) return next();
    res.sendFile(file, { maxAge: '1d' });
  });
  router.use(express.static(PUBLIC, { index: 'index.html', maxAge: 0 }));
  return router;
}

/** Whether a request to /graphql is a browser asking for a page (rather than a GraphQL request). */
export function wantsIde(req: express.Request): boolean {
  return req.method === 'GET' && req.query.query === undefined && (req.accepts(['application/json', 'text/html']) === 'text/html');
}
