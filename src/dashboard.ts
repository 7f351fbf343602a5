import path from 'node:path';
import express from 'express';

const PUBLIC = path.resolve(__dirname, '../public/dashboard');
// chart.js's package exports list neither its UMD build nor package.json: it sits next to the main file.
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

/**
 * The dashboard: static files that call the public GraphQL API from the browser with the user's
 * token. Its one library (Chart.js) is served from node_modules, so the page works with no internet.
 * The page may only talk to this server (Content-Security-Policy).
 */
export function dashboardRouter(): express.Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.get('/vendor/chart.umd.min.js', (_req, res) => res.sendFile(CHART_JS, { maxAge: '1d' }));
  router.use(express.static(PUBLIC, { index: 'index.html', maxAge: 0 }));
  return router;
}
