/* geo_clsm map script, marker part (loaded before map.js): the places of /api/markers, grouped in
 * clusters by a Web Worker (cluster-worker.js, with the vendored supercluster), so that the page's
 * main thread only draws what is in view, after each move or zoom: a place is its type's coloured
 * letter (map-format.js icon), a cluster its count (Leaflet.markercluster's look, MarkerCluster.Default.css).
 * A click on a cluster (or Enter on a focused one) zooms to where it splits; places that stay together at the last zoom are
 * fanned out around it. window.GEO_CLSM_MARKERS(map, cfg, fmt, onPlace) returns
 * {load(rows, types, age, kept), filter(types, age, kept), show(id, cb), ready()}; onPlace(marker, id) opens
 * a place; `kept`: the open_at / lang_spoken query of /api/markers-kept ("" without those filters). */
(function () {
  "use strict";
  window.GEO_CLSM_MARKERS = function (map, cfg, fmt, onPlace) {
    var t = fmt.t;                     // the page's catalogue (a cluster's accessible name)
    var worker = new Worker(cfg.clusterWorker);
    var layer = L.featureGroup();      // what is drawn now: places and clusters in view
    var fan = L.featureGroup();        // places of one spot at the last zoom, fanned out
    var drawn = {};                    // key ("p" + row, "c" + cluster id) -> marker
    var rows = [], byId = {};
    var gen = 0, seq = 0, viewSeq = 0;
    var waiting = {};                  // seq -> callback for leaves/reveal answers
    var afterDraw = [];                // callbacks for the next drawing
    var onShown = null;
    var icons = {};
    function enter(e) { return e.originalEvent && (e.originalEvent.key === "Enter" || e.originalEvent.keyCode === 13); }
    function act(e) {                  // one listener for every marker: a click, or Enter on a focused marker
      if (e.type === "keypress" && !enter(e)) { return; }
      var mk = e.propagatedFrom || e.layer;
      if (mk && mk.gcRow !== undefined) { onPlace(mk, rows[mk.gcRow][0]); }
      else if (mk && mk.gcCluster) { openCluster(mk); }
    }
    layer.on("click keypress", act);
    fan.on("click keypress", act);
    map.on("zoomstart", function () { fan.clearLayers(); });
    layer.addTo(map);
    fan.addTo(map);

    var only = null;                   // ids the server's filters keep (open now, language spoken); null: all
    var keptSeq = 0;
    // « Ouvert maintenant », « langue parlée »: the rule of /api/nearest, applied by /api/markers-kept
    // (`query`: its open_at / lang_spoken parameters; empty: no such filter); then `then()`.
    function withKept(query, then) {
      var mine = ++keptSeq;
      if (!query) { only = null; then(); return; }
      fetch("/api/markers-kept?" + query).then(function (r) { return r.json(); }).then(function (b) {
        if (mine !== keptSeq) { return; }  // the filters changed meanwhile
        only = {};
        b.ids.forEach(function (id) { only[id] = true; });
        then();
      }).catch(function (e) { console.error(e); });
    }
    function accepts(r, types, age) {  // the page's filters: type, open now and language, then age (an unknown audience is kept)
      if (types.indexOf(r[1]) < 0 || (only && !only[r[0]])) { return false; }
      if (age === null || (r[5] === null && r[6] === null)) { return true; }
      return (r[5] === null || r[5] <= age) && (r[6] === null || age <= r[6]);
    }
    function send(data, types, age) {
      var keep = [];
      rows.forEach(function (r, i) { if (accepts(r, types, age)) { keep.push(i); } });
      gen += 1;
      fan.clearLayers();
      worker.postMessage({ op: "load", lib: cfg.supercluster, rows: data, keep: keep, gen: gen });
      if (!keep.length && onShown) { onShown(0); }  // nothing to cluster: said at once
    }
    function place(r) {
      var row = rows[r], approx = row[4] === 1, key = row[1] + (approx ? "~" : "");
      var mk = L.marker([row[3], row[2]], {
        icon: icons[key] || (icons[key] = fmt.icon(row[1], approx)), title: cfg.types[row[1]].label, keyboard: true
      });
      mk.gcRow = r;
      mk.gc = { id: row[0], t: row[1], lon: row[2], lat: row[3] };  // the place, for the planner's what-if
      return mk;
    }
    function cluster(it) {
      var n = it[2], size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
      var mk = L.marker([it[1], it[0]], { keyboard: true, title: t("{n} lieux : zoomer pour les voir", { n: n }), icon: L.divIcon({
        html: "<div><span>" + n + "</span></div>", className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40)
      }) });
      mk.gcCluster = { id: it[3], zoom: it[4], count: n };
      return mk;
    }
    var drawing = 0;                   // the drawing under way (a newer one stops an older one's slices)
    function draw(items, seq) {  // markers made at once, added to the map in slices of 8 ms: the page stays responsive
      var keep = {}, todo = [], token = ++drawing;
      items.forEach(function (it) {
        var key = it.length === 1 ? "p" + it[0] : "c" + it[3];
        keep[key] = drawn[key] || (it.length === 1 ? place(it[0]) : cluster(it));
      });
      Object.keys(drawn).forEach(function (k) { if (!keep[k] && layer.hasLayer(drawn[k])) { layer.removeLayer(drawn[k]); } });
      Object.keys(keep).forEach(function (k) { if (!layer.hasLayer(keep[k])) { todo.push(keep[k]); } });
      drawn = keep;
      var i = 0;
      (function slice() {
        if (token !== drawing) { return; }
        for (var end = performance.now() + 8; i < todo.length && performance.now() < end; i++) { layer.addLayer(todo[i]); }
        if (i < todo.length) { setTimeout(slice, 0); return; }
        reach();
        document.body.setAttribute("data-markers-drawn", String(seq));  // the view asked is drawn (tests wait for it)
        var cbs = afterDraw; afterDraw = [];
        cbs.forEach(function (cb) { cb(); });
      })();
    }
    // A marker is a target (in the tab order, a button to assistive technology) only while its whole
    // icon is in the free part of the map: inside the map's box and clear of its controls (zoom, scale,
    // attribution). One cut by the map's edge or lying under a control is drawn but is not a target
    // until a move brings it clear: the keyboard never lands on a marker it cannot show, and no target
    // is covered by another (WCAG 2.4.11, 2.5.8; Lighthouse's target-size audit).
    function reach() {
      var box = map.getContainer().getBoundingClientRect(), blocks = [], all = [];
      map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (r.width && r.height) { blocks.push(r); }
      });
      [layer, fan].forEach(function (g) { g.eachLayer(function (mk) { if (mk._icon) { all.push(mk._icon); } }); });
      var free = all.map(function (el) {  // every read first, then every write: one layout
        var r = el.getBoundingClientRect();
        return r.left >= box.left && r.top >= box.top && r.right <= box.right && r.bottom <= box.bottom &&
          !blocks.some(function (b) { return r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom; });
      });
      all.forEach(function (el, i) {
        if (free[i]) { el.tabIndex = 0; el.setAttribute("role", "button"); el.removeAttribute("aria-hidden"); }
        else { el.tabIndex = -1; el.removeAttribute("role"); el.setAttribute("aria-hidden", "true"); }
      });
    }
    function refresh(cb) {
      if (cb) { afterDraw.push(cb); }
      if (!gen) { return; }
      var b = map.getBounds().pad(0.25);  // a margin: a short pan shows what was already drawn
      viewSeq += 1;
      document.body.setAttribute("data-markers-asked", String(viewSeq));
      worker.postMessage({ op: "view", bbox: [b.getWest(), Math.max(-85, b.getSouth()), b.getEast(), Math.min(85, b.getNorth())],
        zoom: map.getZoom(), seq: viewSeq, gen: gen });
    }
    function ask(msg, cb) { seq += 1; waiting[seq] = cb; msg.seq = seq; msg.gen = gen; worker.postMessage(msg); }

    worker.onmessage = function (e) {
      var m = e.data;
      if (m.gen !== gen) { return; }               // an answer for filters that changed since
      if (m.op === "loaded") {
        refresh(function () { if (onShown) { onShown(m.shown); } });
      } else if (m.op === "view") {
        if (m.seq === viewSeq) { draw(m.items, m.seq); }   // the latest view only: the map moved meanwhile otherwise
      } else if (waiting[m.seq]) {
        var cb = waiting[m.seq]; delete waiting[m.seq]; cb(m);
      }
    };
    map.on("moveend", function () { refresh(); });  // zoomend is followed by moveend

    function fanOut(mk, done) {  // the places of one spot, on a circle around it (as markercluster's spiderfy)
      ask({ op: "leaves", cluster: mk.gcCluster.id }, function (m) {
        fan.clearLayers();
        var c = map.latLngToLayerPoint(mk.getLatLng()), n = m.rows.length, radius = Math.max(30, n * 5);
        m.rows.forEach(function (r, i) {
          var a = 2 * Math.PI * i / n, ll = map.layerPointToLatLng(c.add(L.point(radius * Math.cos(a), radius * Math.sin(a))));
          L.polyline([mk.getLatLng(), ll], { color: "#222", weight: 1.5, opacity: 0.6, interactive: false }).addTo(fan);
          var p = place(r);
          p.setLatLng(ll);
          fan.addLayer(p);
          if (done && r === done.row) { done.cb(p); }
        });
        reach();
      });
    }
    function openCluster(mk) {
      if (mk.gcCluster.zoom <= map.getMaxZoom()) { map.setView(mk.getLatLng(), mk.gcCluster.zoom); }
      else { fanOut(mk); }
    }

    return {
      load: function (data, types, age, kept) {
        rows = data;
        rows.forEach(function (r, i) { byId[r[0]] = i; });
        withKept(kept, function () { send(data, types, age); });
      },
      filter: function (types, age, kept) { if (gen) { withKept(kept, function () { send(null, types, age); }); } },
      onShown: function (cb) { onShown = cb; },
      // Shows the place (zooming until it is on its own) and calls cb(marker); false if it is not on the map.
      show: function (id, cb) {
        var r = byId[id];
        if (r === undefined || !gen) { return false; }
        if (drawn["p" + r] && layer.hasLayer(drawn["p" + r]) && map.getBounds().contains(drawn["p" + r].getLatLng())) { cb(drawn["p" + r]); return true; }
        ask({ op: "reveal", row: r, zoom: map.getZoom() }, function (m) {
          var ll = [rows[r][3], rows[r][2]];
          if (m.zoom !== null && m.zoom <= map.getMaxZoom()) {
            map.setView(ll, m.zoom, { animate: false });
            refresh(function () { if (drawn["p" + r]) { cb(drawn["p" + r]); } });
            return;
          }
          map.setView(ll, map.getMaxZoom(), { animate: false });  // several places at this spot
          refresh(function () {
            var here = Object.keys(drawn).map(function (k) { return drawn[k]; }).filter(function (mk) {
              return mk.gcCluster && mk.getLatLng().distanceTo(ll) < 1;
            })[0];
            if (!here) { return; }
            fanOut(here, { row: r, cb: cb });
          });
        });
        return true;
      },
      layer: layer,
      fan: fan
    };
  };
})();
