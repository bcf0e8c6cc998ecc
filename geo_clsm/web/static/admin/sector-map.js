// Sector form (/admin/sectors/...): a map of the territory's communes and QPV (outlines from
// /admin/sector-places). A click adds or removes a commune (or a QPV) by ticking its box in the lists
// beside the map, which work without it; in drawing mode clicks place the vertices of a polygon,
// written as WKT into the form's polygon field (the server checks it). The territory select also
// filters the lists and the referents' picker. Messages come translated in the map's data-msg-*.
(function () {
  "use strict";
  var el = document.getElementById("sector-map");
  var form = document.getElementById("sector-form");
  if (!form) { return; }
  var territorySel = document.getElementById("s-territory");
  var wktField = document.getElementById("s-polygon");
  var summary = document.getElementById("s-summary");

  function msg(key, values) {
    var text = (el && el.getAttribute("data-msg-" + key)) || "";
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function boxes(kind) { return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="' + kind + '"]')); }
  function box(kind, code) { return document.getElementById((kind === "communes" ? "c-" : "q-") + code); }

  // --- the territory: lists and referents of that territory only ----------------------------------
  function filterByTerritory() {
    var t = territorySel ? territorySel.value : "";
    Array.prototype.forEach.call(form.querySelectorAll(".places"), function (div) {
      // Another territory's list stays in sight while one of its places is chosen: what is sent is seen.
      div.hidden = Boolean(t) && div.getAttribute("data-territory") !== t && !div.querySelector("input:checked");
    });
    Array.prototype.forEach.call(form.querySelectorAll('select[name="referents"]'), function (sel) {
      Array.prototype.forEach.call(sel.querySelectorAll("option[data-territory]"), function (o) {
        var other = t && o.getAttribute("data-territory") && o.getAttribute("data-territory") !== t;
        o.hidden = Boolean(other) && !o.selected;
      });
      Array.prototype.forEach.call(sel.querySelectorAll("optgroup"), function (g) {
        g.hidden = !g.querySelector("option:not([hidden])");
      });
    });
  }

  function updateSummary() {
    if (!summary) { return; }
    var names = boxes("communes").concat(boxes("qpv")).filter(function (b) { return b.checked; })
      .map(function (b) { return b.getAttribute("data-name"); });
    summary.textContent = msg("selected") + " " + (names.length ? names.join(", ") : msg("empty"));
  }

  // --- one more referent select --------------------------------------------------------------------
  var add = document.getElementById("s-add-referent");
  if (add) {
    add.hidden = false;
    var more = document.getElementById("s-more-referents");
    if (more) { more.hidden = true; }  // the button adds a list: no need to save first
    add.addEventListener("click", function () {
      var items = form.querySelectorAll("ol.referents > li");
      var last = items[items.length - 1];
      var copy = last.cloneNode(true);
      var n = items.length + 1;
      var label = copy.querySelector("label"), sel = copy.querySelector("select");
      label.textContent = label.textContent.replace(/\d+/, String(n));
      label.setAttribute("for", "s-ref-" + n);
      sel.id = "s-ref-" + n;
      sel.value = "";
      last.parentNode.appendChild(copy);
      filterByTerritory();
      sel.focus();
    });
  }

  if (territorySel) { territorySel.addEventListener("change", filterByTerritory); }
  filterByTerritory();
  form.addEventListener("change", function (e) {
    if (e.target && e.target.type === "checkbox") { updateSummary(); restyle(); }
  });
  if (!el || typeof L === "undefined") { return; }
  document.getElementById("s-map-tools").hidden = false;

  // --- the map --------------------------------------------------------------------------------------
  var map = L.map(el, { zoomSnap: 0.25 }).setView([46.6, 2.4], 5);
  el.sectorMap = map;  // for the browser tests, which click where a commune lies
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles && tiles !== "none") { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var status = document.getElementById("s-map-status");
  function say(text) { status.textContent = text; }
  var places = { communes: [], qpv: [] };  // [{code, name, geometry, layer}]
  var placeLayer = L.layerGroup().addTo(map);
  var polygonLayer = L.layerGroup().addTo(map);
  var draftLayer = L.layerGroup().addTo(map);
  var polygons = [];  // [[ring, ...], ...], rings of [lon, lat]
  var draft = [];  // [lon, lat] vertices being placed

  function styleOf(kind, chosen) {
    if (kind === "qpv") {
      return { color: "#6a1b9a", weight: chosen ? 3 : 1.5, dashArray: "4 3", fillColor: "#6a1b9a", fillOpacity: chosen ? 0.35 : 0.02 };
    }
    return { color: chosen ? "#0b4f9c" : "#555", weight: chosen ? 2.5 : 1, fillColor: "#0b4f9c", fillOpacity: chosen ? 0.4 : 0.03 };
  }
  function restyle() {
    if (!places) { return; }
    ["communes", "qpv"].forEach(function (kind) {
      places[kind].forEach(function (p) {
        var b = box(kind, p.code);
        p.layer.setStyle(styleOf(kind, Boolean(b && b.checked)));
      });
    });
  }

  function inRing(lon, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function inGeometry(lon, lat, g) {
    var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polys.some(function (rings) {
      return inRing(lon, lat, rings[0]) && !rings.slice(1).some(function (h) { return inRing(lon, lat, h); });
    });
  }

  function load(territory) {
    placeLayer.clearLayers();
    places = { communes: [], qpv: [] };
    el.removeAttribute("data-ready");
    if (!territory) { return; }
    fetch(el.getAttribute("data-places-url") + "?territory=" + encodeURIComponent(territory), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (fc) {
        if (territorySel && territorySel.value !== territory) { return; }
        var bounds = L.latLngBounds([]);
        var self = el.getAttribute("data-sector") || "";
        var pub = document.getElementById("s-public");
        fc.features.forEach(function (f) {
          if (f.properties.kind === "sector") {  // the other sectors of the same public, for context
            if (f.properties.code !== self && (!pub || pub.value === f.properties.public)) {
              L.geoJSON(f, { interactive: false, style: { color: "#1e7b34", weight: 2, dashArray: "2 4", fill: false } }).addTo(placeLayer);
            }
            return;
          }
          var kind = f.properties.kind === "qpv" ? "qpv" : "communes";
          var layer = L.geoJSON(f, { interactive: false, style: styleOf(kind, false) }).addTo(placeLayer);
          places[kind].push({ code: f.properties.code, name: f.properties.name, geometry: f.geometry, layer: layer });
          bounds.extend(layer.getBounds());
        });
        restyle();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [4, 4] }); }
        el.setAttribute("data-ready", territory);
      })
      .catch(function () { say(msg("failed")); });
  }

  function mode() {
    var checked = document.querySelector('input[name="map_mode"]:checked');
    return checked ? checked.value : "communes";
  }

  function toggle(kind, lon, lat) {
    var hit = places[kind].filter(function (p) { return inGeometry(lon, lat, p.geometry); })[0];
    if (!hit) { say(msg("none")); return; }
    var b = box(kind, hit.code);
    if (!b) { return; }
    b.checked = !b.checked;
    var label = b.getAttribute("data-name");
    say(msg(b.checked ? "added" : "removed", { name: label }));
    updateSummary();
    restyle();
  }

  // --- the polygon: WKT in, WKT out ---------------------------------------------------------------
  function parseWkt(text) {
    var s = (text || "").trim();
    var m = /^(MULTIPOLYGON|POLYGON)\s*(\(.*\))$/i.exec(s);
    if (!m) { return null; }
    var pos = 0, src = m[2];
    function list() {  // ( item, item ) where item is a list or a "x y" pair
      var out = [];
      pos++;  // "("
      for (;;) {
        while (/\s/.test(src[pos])) { pos++; }
        if (src[pos] === "(") { out.push(list()); } else {
          var end = pos;
          while (end < src.length && src[end] !== "," && src[end] !== ")") { end++; }
          var xy = src.slice(pos, end).trim().split(/\s+/).map(Number);
          if (xy.length < 2 || !isFinite(xy[0]) || !isFinite(xy[1])) { throw new Error("wkt"); }
          out.push([xy[0], xy[1]]);
          pos = end;
        }
        while (/\s/.test(src[pos])) { pos++; }
        if (src[pos] === ",") { pos++; continue; }
        if (src[pos] === ")") { pos++; return out; }
        throw new Error("wkt");
      }
    }
    try {
      var parsed = list();
      return m[1].toUpperCase() === "POLYGON" ? [parsed] : parsed;
    } catch (e) { return null; }
  }
  function ringWkt(ring) { return "(" + ring.map(function (p) { return p[0].toFixed(6) + " " + p[1].toFixed(6); }).join(", ") + ")"; }
  function polyWkt(rings) { return "(" + rings.map(ringWkt).join(", ") + ")"; }
  function toWkt(polys) {
    if (!polys.length) { return ""; }
    if (polys.length === 1) { return "POLYGON " + polyWkt(polys[0]); }
    return "MULTIPOLYGON (" + polys.map(polyWkt).join(", ") + ")";
  }
  function latlngs(ring) { return ring.map(function (p) { return [p[1], p[0]]; }); }
  function drawPolygons() {
    polygonLayer.clearLayers();
    polygons.forEach(function (rings) {
      L.polygon(rings.map(latlngs), { interactive: false, color: "#b35c00", weight: 3, fillOpacity: 0.25 }).addTo(polygonLayer);
    });
  }
  function drawDraft() {
    draftLayer.clearLayers();
    if (!draft.length) { return; }
    L.polyline(latlngs(draft), { interactive: false, color: "#b35c00", dashArray: "6 4" }).addTo(draftLayer);
    draft.forEach(function (p) { L.circleMarker([p[1], p[0]], { interactive: false, radius: 5, color: "#b35c00" }).addTo(draftLayer); });
  }
  function readField() {
    var parsed = parseWkt(wktField.value);
    polygons = parsed || [];
    drawPolygons();
  }
  function writeField() {
    wktField.value = toWkt(polygons);
    drawPolygons();
  }

  map.on("click", function (e) {
    var lon = e.latlng.lng, lat = e.latlng.lat;
    var m = mode();
    if (m === "draw") {
      draft.push([lon, lat]);
      drawDraft();
      say(msg("vertex", { n: String(draft.length) }));
    } else {
      toggle(m, lon, lat);
    }
  });
  document.getElementById("draw-finish").addEventListener("click", function () {
    if (draft.length < 3) { say(msg("need")); return; }
    var ring = draft.slice();
    ring.push(draft[0].slice());
    readField();
    polygons.push([ring]);
    draft = [];
    drawDraft();
    writeField();
    say(msg("done"));
  });
  document.getElementById("draw-undo").addEventListener("click", function () {
    draft.pop();
    drawDraft();
    say(msg("vertex", { n: String(draft.length) }));
  });
  document.getElementById("draw-clear").addEventListener("click", function () {
    draft = [];
    polygons = [];
    drawDraft();
    writeField();
    say(msg("cleared"));
  });
  wktField.addEventListener("change", readField);
  if (territorySel) { territorySel.addEventListener("change", function () { load(territorySel.value); }); }
  var publicSel = document.getElementById("s-public");
  if (publicSel) { publicSel.addEventListener("change", function () { load(territorySel ? territorySel.value : ""); }); }
  readField();
  load(territorySel ? territorySel.value : "");
})();
