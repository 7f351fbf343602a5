// The counter app's service worker: the page, its script and its style are kept so the app opens without
// a network (its data comes from Graphcache's IndexedDB). Network first, so a new version is used at once
// when online; GraphQL is outside this worker's scope (/app/).
const CACHE = 'abasto-app-v1';
const SHELL = ['./', 'app.js', 'app.css'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});
self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  event.respondWith(
    fetch(event.request)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(event.request, copy));
        }
        return res;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || Response.error())),
  );
});
