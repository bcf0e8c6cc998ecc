/* geo_clsm national planner: departments' choropleth of one indicator; a department's
   communes on demand (click, or Enter on a table row); the table lists the same figures.
   Where our data do not list the type exhaustively (properties.covered === false), the area
   is hatched, never coloured as a class: « type non recensé ici » (a hole in the directory,
   not a gap in care). */
(function () {
  "use strict";
  var el = document.getElementById("gc-map");
  if (!el || !window.L) { return; }
  var type = el.getAttribute("data-type");
  var indicator = el.getAttribute("data-indicator");
  var label = el.getAttribute("data-label");
  var palette = el.getAttribute("data-palette").split(",");
  var tiles = el.getAttribute("data-tiles");
  var status = document.getElementById("gc-level");
  var back = document.getElementById("gc-back");
  var tbody = document.querySelector("#gc-area-table tbody");
  var legend = document.getElementById("gc-legend");
  var share = /_share$/.test(indicator);

  var HATCH = "url(#gc-hatch)";
  var NO_RESOURCE = "#cccccc";
  var map = L.map(el).setView([46.6, 2.4], 6);  // SVG: the hatch is an SVG pattern
  if (tiles && tiles !== "none") {
    L.tileLayer(tiles, { attribution: el.getAttribute("data-attribution"), maxZoom: 18 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  var layer = null;

  function fmt(v) {
    if (v === null || v === undefined) { return "—"; }
    if (share) { return Math.round(v * 100) + " %"; }
    if (/_m$/.test(indicator)) { return Math.round(v).toLocaleString("fr-FR") + " m"; }
    return String(v).replace(".", ",");
  }

  function breaks(values) {
    var v = values.filter(function (x) { return x !== null && x !== undefined; }).sort(function (a, b) { return a - b; });
    if (!v.length) { return []; }
    var out = [];
    for (var k = 1; k < palette.length; k++) { out.push(v[Math.min(v.length - 1, Math.floor(k * v.length / palette.length))]); }
    return out;
  }

  function uncovered(p) { return p.covered === false; }

  function valueText(p) { return uncovered(p) ? "type non recensé ici (" + p.coverage + ")" : fmt(p[indicator]); }

  function hatchPattern() {
    var svg = map.getPanes().overlayPane.querySelector("svg");
    if (!svg || svg.querySelector("#gc-hatch")) { return; }
    var ns = "http://www.w3.org/2000/svg";
    var defs = document.createElementNS(ns, "defs");
    var pat = document.createElementNS(ns, "pattern");
    var attrs = { id: "gc-hatch", patternUnits: "userSpaceOnUse", width: "8", height: "8", patternTransform: "rotate(45)" };
    Object.keys(attrs).forEach(function (k) { pat.setAttribute(k, attrs[k]); });
    var bg = document.createElementNS(ns, "rect");
    bg.setAttribute("width", "8"); bg.setAttribute("height", "8"); bg.setAttribute("fill", "#eeeeee");
    var line = document.createElementNS(ns, "line");
    var l = { x1: "0", y1: "0", x2: "0", y2: "8", stroke: "#777777", "stroke-width": "3" };
    Object.keys(l).forEach(function (k) { line.setAttribute(k, l[k]); });
    pat.appendChild(bg); pat.appendChild(line); defs.appendChild(pat);
    svg.insertBefore(defs, svg.firstChild);
  }

  function colour(p, b) {
    if (uncovered(p)) { return HATCH; }
    var v = p[indicator];
    if (v === null || v === undefined) { return NO_RESOURCE; }
    var c = 0;
    while (c < b.length && v > b[c]) { c++; }
    return palette[c];
  }

  function legendRow(cls, background, text) {
    var row = document.createElement("div");
    var sw = document.createElement("span");
    sw.className = "gc-swatch" + (cls ? " " + cls : "");
    if (background) { sw.style.background = background; }
    row.appendChild(sw);
    row.appendChild(document.createTextNode(text));
    legend.appendChild(row);
  }

  function drawLegend(b, features) {
    legend.textContent = "";
    var title = document.createElement("p");
    title.textContent = label;
    legend.appendChild(title);
    var edges = [null].concat(b).concat([null]);
    for (var k = 0; b.length && k < palette.length && k < edges.length - 1; k++) {
      var lo = edges[k], hi = edges[k + 1];
      legendRow("", palette[k],
        lo === null ? "jusqu'à " + fmt(hi) : hi === null ? "plus de " + fmt(lo) : fmt(lo) + " à " + fmt(hi));
    }
    var props = features.map(function (f) { return f.properties; });
    if (props.some(function (p) { return !uncovered(p) && (p[indicator] === null || p[indicator] === undefined); })) {
      legendRow("", NO_RESOURCE, "aucune ressource de ce type dans la zone de calcul");
    }
    if (props.some(uncovered)) {
      legendRow("gc-swatch-hatch", null, "type non recensé ici : nos données ne listent pas tous les lieux de ce type (pas un manque mesuré)");
    }
  }

  function fillTable(features, nameOf, onPick) {
    tbody.textContent = "";
    features.forEach(function (f) {
      var p = f.properties;
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      if (onPick) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = nameOf(p);
        btn.addEventListener("click", function () { onPick(p); });
        th.appendChild(btn);
      } else {
        th.textContent = nameOf(p);
      }
      tr.appendChild(th);
      var td = document.createElement("td");
      td.textContent = valueText(p);
      if (uncovered(p)) { td.className = "gc-uncovered"; }
      tr.appendChild(td);
      var pop = document.createElement("td");
      pop.textContent = p.population === null ? "—" : Math.round(p.population).toLocaleString("fr-FR");
      tr.appendChild(pop);
      tbody.appendChild(tr);
    });
  }

  function show(url, nameOf, onPick, message, fit) {
    status.textContent = "Chargement…";
    return fetch(url).then(function (r) {
      if (!r.ok) { return r.json().then(function (e) { throw new Error(e.detail || r.statusText); }); }
      return r.json();
    }).then(function (gj) {
      var b = breaks(gj.features.map(function (f) { return uncovered(f.properties) ? null : f.properties[indicator]; }));
      if (layer) { map.removeLayer(layer); }
      layer = L.geoJSON(gj, {
        style: function (f) {
          return { color: "#444", weight: 0.6, fillOpacity: 0.75, fillColor: colour(f.properties, b) };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(nameOf(f.properties) + " : " + valueText(f.properties));
          if (onPick) { l.on("click", function () { onPick(f.properties); }); }
        }
      }).addTo(map);
      hatchPattern();
      if (fit && gj.features.length) { map.fitBounds(layer.getBounds()); } else if (!fit) { map.setView([46.6, 2.4], 6); }
      drawLegend(b, gj.features);
      fillTable(gj.features, nameOf, onPick);
      status.textContent = message;
    }).catch(function (e) { status.textContent = "Erreur : " + e.message; });
  }

  function depName(p) { return p.nom ? p.nom + " (" + p.dep + ")" : "Département " + p.dep; }

  function base() { return "/api/gaps?type=" + encodeURIComponent(type) + "&format=geojson"; }

  function departments() {
    back.hidden = true;
    show(base() + "&scope=departements", depName, communes,
      "Départements de France (l'outre-mer est dans le tableau). Choisir un département pour voir ses communes.", false);
  }

  function communes(p) {
    back.hidden = false;
    show(base() + "&scope=communes&dep=" + encodeURIComponent(p.dep),
      function (c) { return (c.nom || c.insee_com) + " (" + c.insee_com + ")"; }, null,
      "Communes du département : " + depName(p) + ".", true);
  }

  back.addEventListener("click", departments);
  departments();
})();
