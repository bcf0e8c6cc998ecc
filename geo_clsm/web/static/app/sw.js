/* geo_clsm service worker: keeps the app shell and the emergency numbers available offline.
 * Pages: network first, then the cached copy, then the offline page (3114, 15, 112).
 * Static files: cache first. Searches (/api/...) are never cached: a position stays on the device. */
var CACHE = "geo-clsm-shell-v4";
var SHELL = [
  "/", "/recherche", "/hors-ligne",
  "/static/app/map.css", "/static/app/page.css", "/static/app/map-format.js", "/static/app/map-markers.js",
  "/static/app/map-popup.js", "/static/app/map.js", "/static/app/cluster-worker.js", "/static/vendor/supercluster/supercluster.min.js",
  "/static/app/orient.js", "/static/app/register-sw.js", "/static/app/icon.svg", "/static/app/icon-192.png",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/static/vendor/markercluster/MarkerCluster.css",
  "/static/vendor/markercluster/MarkerCluster.Default.css"
];
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).catch(function () {
      return caches.match(req, { ignoreSearch: true, ignoreVary: true }).then(function (hit) { return hit || caches.match("/hors-ligne", { ignoreVary: true }); });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
  }
});
