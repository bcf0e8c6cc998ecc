/* geo_clsm map script: markers by type (clustered by map-markers.js), filters, popups (map-popup.js), nearest panel, list view.
 * Everything it fetches comes from the app itself (/api/...). French user-facing text. */
(function () {
  "use strict";
  function readJson(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var cfg = window.GEO_CLSM = window.GEO_CLSM || readJson("gc-map-config");
  var page = readJson("gc-page-config") || { messages: {}, lang: "fr" };
  var fmt = window.GEO_CLSM_FORMAT(cfg, page);  // map-format.js
  var t = fmt.t, esc = fmt.esc, typeLabel = fmt.typeLabel, fmtDistance = fmt.fmtDistance;
  var walkText = fmt.walkText, address = fmt.address, telLink = fmt.telLink;
  var locale = fmt.locale;
  var map = window[cfg.map];
  if (!map.options.maxZoom) { map.setMaxZoom(19); }  // clustering needs it, even without tiles (cluster-worker.js)
  if (!map.options.minZoom) { map.setMinZoom(4); }   // France and its overseas territories: no cluster levels below
  L.control.scale({ metric: true, imperial: false }).addTo(map).getContainer().dir = "ltr";  // metric only; « 100 km » in Arabic too
  var openDetails = window.GEO_CLSM_POPUP(map, fmt).open;  // a place's popup: map-popup.js
  // Markers and clusters: map-markers.js (clustered in a Web Worker; only what is in view is drawn).
  var markers = window.GEO_CLSM_MARKERS(map, cfg, fmt, function (mk, id) {
    if (!(markerHandler && markerHandler(mk.gc, mk))) { openDetails(mk, id); }  // the planner's what-if may take it
  });
  markers.onShown(function (n) { document.body.setAttribute("data-markers-shown", String(n)); });
  var lastQuery = null;       // {lat, lon, label} of the last nearest query
  var queryMarker = null;
  var frameNext = false;      // fit the map to the point and the results when they arrive
  var statusEl = document.getElementById("gc-status");
  var noticeEl = document.getElementById("gc-notice");
  var choicesEl = document.getElementById("gc-choices");
  var linesEl = document.getElementById("gc-lines");
  var resultsEl = document.getElementById("gc-results");
  var form = document.getElementById("gc-filter-form");
  var listeners = [];         // called with each nearest answer (the orientation helper listens)
  var markerHandler = null;   // planner's what-if: takes a marker's click (returns true) instead of its popup
  var lastText = null;        // the text of the last search (shared without any position)
  var placeKind = "";         // "qpv" when the last search found a neighbourhood (the geocoder's precision)
  function setStatus(text) { if (statusEl) { statusEl.textContent = text; } }

  function selectedTypes() {
    if (!form) { return Object.keys(cfg.types); }
    return Array.prototype.slice.call(form.querySelectorAll("input[name=type]:checked")).map(function (i) { return i.value; });
  }
  function selectedAge() {
    var sel = document.getElementById("gc-age");
    if (!sel || !sel.value) { return null; }
    var g = cfg.ageGroups.filter(function (x) { return x.id === sel.value; })[0];
    return g ? g.age : null;
  }
  function openOnly() { var el = document.getElementById("gc-open"); return !!(el && el.checked); }
  function acceptsNew() { var el = document.getElementById("gc-accepts-new"); return !!(el && el.checked); }
  function spokenLang() { var el = document.getElementById("gc-lang-spoken"); return el && el.value ? el.value : null; }

  // « Ouvert maintenant » and « langue parlée » as /api/nearest (the list) and /api/markers-kept (the markers) take them.
  function keptParams(params) {
    if (openOnly()) { params.set("open_at", new Date().toISOString()); }
    if (spokenLang()) { params.append("lang_spoken", spokenLang()); }
    return params;
  }
  function kept() { return keptParams(new URLSearchParams()).toString(); }

  function applyFilters() {
    markers.filter(selectedTypes(), selectedAge(), kept());  // data-markers-shown is set once they are drawn
    if (lastQuery) { nearest(lastQuery.lat, lastQuery.lon, lastQuery.label); }
  }

  function loadMarkers() {
    // ?markers=0: the page with an empty marker layer (the floor of benchmarks/bench_lighthouse.py).
    if (new URLSearchParams(location.search).get("markers") === "0") {
      document.body.setAttribute("data-markers-loaded", "0");
      document.body.setAttribute("data-markers-shown", "0");
      return;
    }
    fetch("/api/markers").then(function (r) { return r.json(); }).then(function (data) {
      markers.load(data.markers, selectedTypes(), selectedAge(), kept());  // clustered by the worker, then drawn
      document.body.setAttribute("data-markers-loaded", String(data.markers.length));
    }).catch(function (e) { console.error(e); setStatus(t("Impossible de charger les ressources. Réessayez plus tard.")); });
  }

  function clearResults() {
    fmt.showSectors(resultsEl, "");
    resultsEl.innerHTML = "";
    if (linesEl) { linesEl.innerHTML = ""; linesEl.hidden = true; }
    document.body.removeAttribute("data-results");
  }
  function clearChoices() { if (choicesEl) { choicesEl.innerHTML = ""; choicesEl.hidden = true; } }
  function setNotice(text) {
    if (!noticeEl) { return; }
    noticeEl.textContent = text || "";
    noticeEl.hidden = !text;
  }
  function clearQuery() {
    lastQuery = null;
    if (queryMarker) { map.removeLayer(queryMarker); queryMarker = null; }
  }

  function resultLine(f) {
    var p = f.properties;
    var dist = p.distance_label ? fmt.distanceText(p) : fmtDistance(p.distance_m);
    var inCommune = p.distance_label === "dans la commune";
    var walk = inCommune ? "" : " · " + walkText(p.walk_minutes);
    var approx = p.position_precision === "commune" && !inCommune ? " (" + t("position approximative") + ")" : "";
    var serves = p.serves_location === true ? " — " + t("intervient à cette adresse") : "";
    var sector = fmt.sectorMarkHtml(p);
    var unknown = p.audience_known === false ? '<br><em class="gc-unknown">' + esc(t("public non précisé : vérifier auprès du lieu")) + "</em>" : "";
    var open = p.open_now === true ? '<br><strong class="gc-open">' + esc(t("Ouvert maintenant")) + "</strong>"
      : (p.open_now === false ? '<br><span class="gc-closed">' + esc(t("Fermé maintenant")) + "</span>" : "");
    return "<strong>" + esc(p.display_name || p.name) + "</strong><br>" + (sector ? sector + "<br>" : "") + esc(typeLabel(p)) + " · <bdi>" + esc(dist) +
      "</bdi>" + esc(walk) + esc(approx) + esc(serves) + unknown + open +
      (address(p) ? '<br><span class="gc-addr">' + fmt.nameHtml(address(p)) + "</span>" : "") +
      (fmt.hoursText(p) ? '<br><span class="gc-hours">' + esc(t("Horaires :")) + " " + esc(fmt.hoursText(p)) + "</span>" : "") +
      fmt.datedLines(p).map(function (line) { return "<br>" + line; }).join("");
  }

  function renderLines(lines) {
    if (!linesEl) { return; }
    linesEl.innerHTML = "";
    if (!lines || !lines.length) { linesEl.hidden = true; return; }
    var h = document.createElement("h2");
    h.textContent = t("Lignes nationales");
    linesEl.appendChild(h);
    var ul = document.createElement("ul");
    lines.forEach(function (f) {
      var p = f.properties;
      var li = document.createElement("li");
      li.className = "gc-line";
      li.setAttribute("data-id", f.id);
      var a = p.audience || {};
      li.innerHTML = "<strong>" + esc(p.display_name || p.name) + "</strong>" +
        (fmt.groups(a).length ? "<br>" + esc(fmt.groups(a).join(", ")) : "") +
        (fmt.hoursText(p) ? "<br>" + esc(fmt.hoursText(p)) : "") +
        (p.open_now === true ? ' — <strong class="gc-open">' + esc(t("Ouvert maintenant")) + "</strong>"
          : (p.open_now === false ? ' — <span class="gc-closed">' + esc(t("Fermé maintenant")) + "</span>" : "")) +
        (p.phone ? "<br>" + telLink(p, p.display_name || p.name) : "") +
        '<br><small class="gc-provenance">' + esc(fmt.provenance(p)) + "</small>";
      ul.appendChild(li);
    });
    linesEl.appendChild(ul);
    linesEl.hidden = false;
  }

  function frame(lat, lon, feats) {
    var pts = [[lat, lon]];
    feats.forEach(function (f) { if (f.geometry) { pts.push([f.geometry.coordinates[1], f.geometry.coordinates[0]]); } });
    if (pts.length === 1) { map.setView(pts[0], 13); return; }
    map.fitBounds(L.latLngBounds(pts), { padding: [30, 30], maxZoom: 16 });
  }

  function renderResults(body, label, lat, lon) {
    clearResults();
    var feats = body.features || [];
    var where = body.query && body.query.commune ? body.query.commune.nom : "";
    var inQpv = body.query && body.query.qpv ? body.query.qpv.lib_qp : "";
    var qpv = inQpv ? " (" + t("quartier {name}", { name: inQpv }) + ")" : "";
    var place = label || t("de {place}", { place: where });
    if (inQpv && placeKind === "qpv") {  // a searched neighbourhood: named once, with its town
      place = t("du quartier {name}", { name: inQpv }) + (where ? " (" + where + ")" : "");
      qpv = "";
    }
    var found = (feats.length > 1 ? t("{n} ressources trouvées près {place}", { n: feats.length, place: place })
      : t("{n} ressource trouvée près {place}", { n: feats.length, place: place })) + qpv + ".";
    var forAge = (body.missing_types || []).some(function (m) { return m.other_ages; });  // exists, not for this age
    var message = body.message && page.lang !== "fr" ? (forAge
      ? t("Rien de ce type n'est connu près d'ici pour cet âge ; il en existe pour d'autres âges. Lignes nationales joignables :")
      : t("Rien de ce type n'est connu près d'ici. Lignes nationales joignables :")) : body.message;
    setStatus(message ? (feats.length ? found + " " : "") + message : found);
    fmt.showSectors(resultsEl, fmt.sectorsHtml(body.query));
    fmt.rememberRoles(feats);
    var unknownShown = false;
    feats.forEach(function (f, i) {
      var p = f.properties;
      if (p.audience_known === false && p.sector_role !== "referent" && !unknownShown) {
        unknownShown = true;
        var sep = document.createElement("li");
        sep.className = "gc-sep";
        sep.textContent = t("Public non précisé (peut-être pas adapté à cet âge) :");
        resultsEl.appendChild(sep);
      }
      var li = document.createElement("li");
      if (p.audience_known === false) { li.className = "gc-unknown-audience"; }
      li.setAttribute("data-type", p.type);
      li.innerHTML = '<button type="button" class="gc-result" data-id="' + esc(f.id) + '">' +
        '<span class="gc-dot" aria-hidden="true" style="background:' + cfg.types[p.type].color + '">' + esc(cfg.types[p.type].short) + "</span>" +
        resultLine(f) + "</button>" + (p.phone ? " " + telLink(p, p.display_name || p.name) : "");
      li.querySelector("button").addEventListener("click", function () {
        if (markers.show(f.id, function (mk) { openDetails(mk, f.id); })) { return; }
        if (f.geometry) {
          map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], 16);
        }
      });
      resultsEl.appendChild(li);
      if (i === 0) { li.querySelector("button").setAttribute("aria-describedby", "gc-status"); }
    });
    renderLines(body.national_lines);
    document.body.setAttribute("data-results", String(feats.length));
    if (frameNext) {  // a search or a located phone: show the map's frame and the status line (the panel is short)
      frameNext = false;
      frame(lat, lon, feats);
      // (not over the crisis box: 3114, 15 and the nearest emergency stay in view)
      if (statusEl && statusEl.scrollIntoView && !document.querySelector("#gc-panel .gc-crisis")) {
        statusEl.scrollIntoView({ block: "nearest" });
      }
    }
    listeners.forEach(function (cb) { cb(body); });
    updateShare();
    rememberView();
    printFor(statusEl ? statusEl.textContent : "");
  }

  function nearest(lat, lon, label, opts) {
    placeKind = (opts && opts.kind) || (lastQuery && lastQuery.label === label ? placeKind : "");
    lastQuery = { lat: lat, lon: lon, label: label };
    frameNext = !!(opts && opts.frame);
    var params = new URLSearchParams({ lat: lat.toFixed(5), lon: lon.toFixed(5), k: "10" });
    var types = selectedTypes();
    if (types.length === 0) { clearResults(); setStatus(t("Aucun type de ressource sélectionné.")); return; }
    if (types.length < Object.keys(cfg.types).length) { types.forEach(function (t) { params.append("type", t); }); }
    var age = selectedAge();
    if (age !== null) { params.set("age", String(age)); }
    keptParams(params);
    if (acceptsNew()) { params.set("accepts_new", "true"); }
    if (queryMarker) { map.removeLayer(queryMarker); }
    queryMarker = fmt.pin(map, lat, lon, "#ffd400", t("Point de recherche"));
    setStatus(t("Recherche des ressources proches…"));
    fetch("/api/nearest?" + params.toString()).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, body: b }; });
    }).then(function (res) {
      if (!res.ok) { clearResults(); setStatus(res.body.detail || t("Recherche impossible.")); return; }
      renderResults(res.body, label, lat, lon);
    }).catch(function () { clearResults(); setStatus(t("Recherche impossible pour le moment.")); });
  }

  function showChoices(intro, list) {
    clearChoices();
    if (!choicesEl || !list || !list.length) { return; }
    var p = document.createElement("p");
    p.textContent = intro;
    choicesEl.appendChild(p);
    var ul = document.createElement("ul");
    list.forEach(function (c) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "gc-choice";
      b.textContent = c.label + (c.population ? " — " + t("{n} hab.", { n: c.population.toLocaleString(locale) }) : "");
      b.addEventListener("click", function () { document.getElementById("gc-q").value = c.label; geocode(c.query, c.label); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    choicesEl.appendChild(ul);
    choicesEl.hidden = false;
  }

  function failed(text) {
    clearResults();
    clearQuery();
    setStatus(text);
  }

  function geocode(q, shown) {
    clearChoices();
    setNotice("");
    setStatus(t("Recherche du lieu…"));
    fetch("/api/geocode?q=" + encodeURIComponent(q)).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; });
    }).then(function (res) {
      if (!res.ok) {
        failed(page.lang === "fr" ? (res.body.detail || "Lieu introuvable.") : t("Lieu introuvable."));
        if (res.status === 409) { showChoices(t("Plusieurs lieux portent ce nom : choisissez."), res.body.candidates); }
        else if (res.body.suggestions && res.body.suggestions.length) { showChoices(t("Vouliez-vous dire :"), res.body.suggestions); }
        return;
      }
      setNotice(res.body.message);
      lastText = q;
      nearest(res.body.lat, res.body.lon, t("de {place}", { place: res.body.label || shown }), { frame: true, kind: res.body.precision });
    }).catch(function () { failed(t("Recherche impossible pour le moment.")); });
  }

  function search(ev) {
    ev.preventDefault();
    var q = document.getElementById("gc-q").value.trim();
    if (q.length < 2) { failed(t("Saisissez une commune, un code postal, un quartier ou une adresse.")); clearChoices(); return; }
    geocode(q, q);
  }

  function locate(onFail) {
    onFail = typeof onFail === "function" ? onFail : function () {};
    if (!navigator.geolocation) { setStatus(t("La localisation n'est pas disponible sur cet appareil.")); onFail(); return; }
    setStatus(t("Localisation en cours…"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      clearChoices();
      setNotice("");
      lastText = null;
      chosenPoint = false;
      nearest(pos.coords.latitude, pos.coords.longitude, t("de votre position"), { frame: true });
    }, function () { failed(t("Position refusée ou indisponible : cherchez une commune ou touchez la carte.")); onFail(); },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
  }

  // Share: the typed search reopens as /?q=…; a position is put in the link only when the person says so.
  var shareBtn = document.getElementById("gc-share");
  // The view lives in the URL (history.replaceState): a typed place, or a point chosen on the map
  // (3 decimals), and the filters; reloading or sharing the address shows the same view. A position
  // from "Me localiser" is never written there (it stays on the device unless the person shares it).
  var chosenPoint = false;
  function viewUrl(withPosition, placeNeeded) {
    var params = new URLSearchParams();
    if (lastText) { params.set("q", lastText); }
    else if (withPosition && lastQuery) { params.set("lat", lastQuery.lat.toFixed(3)); params.set("lon", lastQuery.lon.toFixed(3)); }
    else if (placeNeeded) { return null; }
    var types = selectedTypes(), age = document.getElementById("gc-age"), own = form.querySelector("input[name=filtres]");
    if (types.length < Object.keys(cfg.types).length) { types.forEach(function (x) { params.append("type", x); }); }
    if (age && age.value) { params.set("age", age.value); }
    if (openOnly()) { params.set("open", "1"); }
    if (spokenLang()) { params.set("lang_spoken", spokenLang()); }
    if (own) { params.set("filtres", "1"); if (acceptsNew()) { params.set("accepts_new", "1"); } }  // a CLSM's page: its address, each filter said
    if (page.lang !== "fr") { params.set("lang", page.lang); }
    return location.origin + (own ? form.getAttribute("action") : "/") + (params.toString() ? "?" + params.toString() : "");
  }
  function shareUrl(withPosition) { return viewUrl(withPosition, true); }
  function rememberView() { if (window.history && history.replaceState) { history.replaceState(null, "", viewUrl(chosenPoint, false)); } }
  function filtersText() {
    var parts = [];
    var age = document.getElementById("gc-age");
    if (age && age.value) { parts.push(age.options[age.selectedIndex].text); }
    var types = selectedTypes();
    if (types.length < Object.keys(cfg.types).length) {
      parts.push(types.map(function (x) { return (page.typeLabels || {})[x] || cfg.types[x].label; }).join(", "));
    }
    if (openOnly()) { parts.push(t("ouvert maintenant")); }
    var lang = document.getElementById("gc-lang-spoken");
    if (lang && lang.value) { parts.push(t("langue parlée : {lang}", { lang: lang.options[lang.selectedIndex].text })); }
    return parts.length ? t("Filtres : {list}", { list: parts.join(" · ") }) : t("Sans filtre : tous les types, tous les âges.");
  }
  function printFor(status) {
    var el = document.getElementById("gc-print-for");
    if (!el) { return; }
    var when = new Date().toLocaleString(locale, { dateStyle: "long", timeStyle: "short" });
    el.innerHTML = "<p><strong>" + esc(t("Liste établie le {date}", { date: when })) + "</strong></p><p>" + esc(status) +
      "</p><p>" + esc(filtersText()) + "</p>";
    el.hidden = false;
  }
  function updateShare() { if (shareBtn) { shareBtn.hidden = !lastQuery; } }
  function share() {
    var url = shareUrl(false);
    if (!url && window.confirm(t("Ce lien contiendra votre position approximative. Continuer ?"))) { url = shareUrl(true); }
    if (!url) { return; }
    var out = document.getElementById("gc-share-out");
    if (out) { out.textContent = t("Lien à partager : {url}", { url: url }); }
    if (navigator.clipboard) { navigator.clipboard.writeText(url).catch(function () {}); }
  }
  function fromUrl() {
    var params = new URLSearchParams(location.search);
    var types = params.getAll("type");
    if (types.length) { form.querySelectorAll("input[name=type]").forEach(function (i) { i.checked = types.indexOf(i.value) >= 0; }); }
    if (params.get("age")) { document.getElementById("gc-age").value = params.get("age"); }
    if (params.get("open") === "1" && document.getElementById("gc-open")) { document.getElementById("gc-open").checked = true; }
    var spoken = document.getElementById("gc-lang-spoken");
    if (params.get("lang_spoken") && spoken) { spoken.value = params.get("lang_spoken"); }
    if (params.get("q")) { document.getElementById("gc-q").value = params.get("q"); geocode(params.get("q"), params.get("q")); }
    else if (params.get("lat") && params.get("lon")) {
      chosenPoint = true;
      nearest(Number(params.get("lat")), Number(params.get("lon")), t("du point choisi"), { frame: true });
    }
  }

  window.GEO_CLSM_APP = {
    t: t,
    page: page,
    onResults: function (cb) { listeners.push(cb); },
    hasQuery: function () { return !!lastQuery; },
    locate: locate,
    distanceText: fmt.distanceText,
    sectorsHtml: fmt.sectorsHtml,
    map: map,
    fmt: fmt,                 // map-format.js: icons by type, points (pin), distances, escaping
    onMarkerClick: function (cb) { markerHandler = cb; },
    setFilters: function (types, ageId) {
      form.querySelectorAll("input[name=type]").forEach(function (i) { i.checked = types.indexOf(i.value) >= 0; });
      document.getElementById("gc-age").value = ageId || "";
      applyFilters();
    }
  };

  if (cfg.mode === "resident") {
    map.on("click", function (e) { clearChoices(); setNotice(""); lastText = null; chosenPoint = true; nearest(e.latlng.lat, e.latlng.lng, t("du point choisi")); });
    document.getElementById("gc-search").addEventListener("submit", search);
    document.getElementById("gc-locate").addEventListener("click", locate);
    document.getElementById("gc-print").addEventListener("click", function () { window.print(); });
    if (shareBtn) { shareBtn.addEventListener("click", share); }
    form.addEventListener("change", function () { applyFilters(); if (!lastQuery) { rememberView(); } });
    form.addEventListener("submit", function (e) { e.preventDefault(); applyFilters(); });  // the button, Enter
    document.getElementById("gc-all-types").addEventListener("click", function () {
      form.querySelectorAll("input[name=type]").forEach(function (i) { i.checked = true; }); applyFilters();
    });
    document.getElementById("gc-no-types").addEventListener("click", function () {
      form.querySelectorAll("input[name=type]").forEach(function (i) { i.checked = false; }); applyFilters();
    });
  }
  loadMarkers();
  if (cfg.mode === "resident") { fromUrl(); }
})();
