import path from 'node:path';
import express from 'express';
import { pageHeaders } from './web-page';

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
  router.use(pageHeaders({ inlineStyles: true }));
  router.get('/vendor/chart.umd.min.js', (_req, res) => res.sendFile(CHART_JS, { maxAge: '1d' }));
  router.use(express.static(PUBLIC, { index: 'index.html', maxAge: 0 }));
  return router;
}
