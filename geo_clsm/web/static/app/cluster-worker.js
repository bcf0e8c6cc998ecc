/* geo_clsm clustering worker (started by map-markers.js): clusters the markers of /api/markers off the
 * page's main thread with the vendored supercluster (static/vendor/supercluster, ISC). The page asks
 * only for what is in view; it gets back compact rows, never the whole list again.
 * Messages in:  {op: "load", lib, rows?, keep, gen}   rows: [id, type, lon, lat, approx, a0, a1]; keep: row numbers shown
 *               {op: "view", bbox: [w, s, e, n], zoom, seq, gen}
 *               {op: "leaves", cluster, seq, gen}      {op: "reveal", row, zoom, seq, gen}
 * Messages out: {op: "loaded", shown, gen}   {op: "view", items, seq, gen}: items are [row] (a place)
 *               or [lon, lat, count, clusterId, expansionZoom] (a cluster)
 *               {op: "leaves", rows, seq, gen}   {op: "reveal", zoom, seq, gen} (null: stays grouped) */
"use strict";
var rows = [];
var index = null;
var MAX_ZOOM = 19;  // the map's last zoom: places at the same spot stay grouped there (map-markers.js fans them out)

function load(m) {
  if (m.lib && typeof self.Supercluster === "undefined") { importScripts(m.lib); }
  if (m.rows) { rows = m.rows; }
  var feats = [];
  m.keep.forEach(function (i) {  // the rows the page's filters keep (map-markers.js)
    feats.push({ type: "Feature", properties: { row: i }, geometry: { type: "Point", coordinates: [rows[i][2], rows[i][3]] } });
  });
  // Leaflet's tiles are 256 px: a radius of 50 px, as Leaflet.markercluster's maxClusterRadius was.
  index = new self.Supercluster({ radius: 50, extent: 256, minZoom: 0, maxZoom: MAX_ZOOM }).load(feats);
  self.postMessage({ op: "loaded", shown: feats.length, gen: m.gen });
}

function view(m) {
  var out = index.getClusters(m.bbox, m.zoom).map(function (f) {
    var p = f.properties, c = f.geometry.coordinates;
    if (!p.cluster) { return [p.row]; }
    return [c[0], c[1], p.point_count, p.cluster_id, index.getClusterExpansionZoom(p.cluster_id)];
  });
  self.postMessage({ op: "view", items: out, seq: m.seq, gen: m.gen });
}

function reveal(m) {  // the first zoom from m.zoom at which the place is drawn on its own
  var r = rows[m.row], d = 1e-6, found = null;
  for (var z = m.zoom; z <= MAX_ZOOM + 1 && found === null; z++) {
    var here = index.getClusters([r[2] - d, r[3] - d, r[2] + d, r[3] + d], z);
    if (here.some(function (f) { return !f.properties.cluster && f.properties.row === m.row; })) { found = z; }
  }
  self.postMessage({ op: "reveal", zoom: found, seq: m.seq, gen: m.gen });
}

self.onmessage = function (e) {
  var m = e.data;
  if (m.op === "load") { load(m); return; }
  if (!index) { return; }
  if (m.op === "view") { view(m); }
  else if (m.op === "leaves") {
    var rowsOut = index.getLeaves(m.cluster, Infinity).map(function (f) { return f.properties.row; });
    self.postMessage({ op: "leaves", rows: rowsOut, seq: m.seq, gen: m.gen });
  } else if (m.op === "reveal") { reveal(m); }
};
