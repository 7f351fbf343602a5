import path from 'node:path';
import { buildSync } from 'esbuild';
import express from 'express';
import { pageHeaders } from './web-page';

const APP = path.resolve(__dirname, '../app');

/**
 * The counter app (/app): Preact screens in app/src, bundled by esbuild in memory when the router is
 * created (a few hundred milliseconds), so `npm start` and the tests need no build step. Like the
 * dashboard it calls only the public GraphQL API with the user's token, loads nothing from the internet,
 * and its Content-Security-Policy lets it talk only to this server.
 */
export function appRouter(): express.Router {
  const built = buildSync({
    entryPoints: [path.join(APP, 'src/main.tsx')],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = Buffer.from(built.outputFiles[0].contents);
  const router = express.Router();
  router.use(pageHeaders());
  router.get('/app.js', (_req, res) => res.type('text/javascript').set('Cache-Control', 'no-cache').send(script));
  // the service worker keeps the page openable offline; it must not be cached by the browser itself
  router.get('/sw.js', (_req, res) => res.sendFile(path.join(APP, 'sw.js'), { maxAge: 0, headers: { 'Cache-Control': 'no-cache' } }));
  router.get('/app.css', (_req, res) => res.sendFile(path.join(APP, 'app.css'), { maxAge: 0 }));
  router.get('/', (req, res) => {
    // relative URLs in the page resolve under /app/
    if (!req.originalUrl.split('?')[0].endsWith('/')) return res.redirect(301, `${req.baseUrl}/`);
    res.sendFile(path.join(APP, 'index.html'), { maxAge: 0 });
  });
  return router;
}
