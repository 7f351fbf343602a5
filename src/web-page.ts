import express from 'express';

/**
 * The headers every browser page of this server carries (the dashboard, GraphiQL, the counter app):
 * a Content-Security-Policy that lets the page load only this server's files and talk only to it —
 * no CDN, no inline script, no eval — plus nosniff and no referrer. `allow` adds what one page needs
 * beyond that (GraphiQL and the dashboard's charts set inline styles; GraphiQL's fonts are data: URLs).
 */
export function pageHeaders(allow: { inlineStyles?: boolean; dataFonts?: boolean } = {}): express.RequestHandler {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${allow.inlineStyles ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    ...(allow.dataFonts ? ["font-src 'self' data:"] : []),
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
}
