/* geo_clsm map script: markers by type (clustered), filters, popups, nearest panel, list view.
 * Everything it fetches comes from the app itself (/api/...). French user-facing text. */
(function () {
  "use strict";
  var cfg = window.GEO_CLSM;
  var map = window[cfg.map];
  if (!map.options.maxZoom) { map.setMaxZoom(19); }  // clustering needs it, even without tiles
  L.control.scale({ metric: true, imperial: false }).addTo(map);  // metric only
  var layersByType = {};      // one layer per resource type
  var markersById = {};
  var pendingShown = 0;       // markers being added; data-markers-shown is set once they are on the map
  var cluster = L.markerClusterGroup({
    chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
    chunkProgress: function (done, total) {
      if (done === total) { document.body.setAttribute("data-markers-shown", String(pendingShown)); }
    }
  });
  var lastQuery = null;       // {lat, lon, label} of the last nearest query
  var queryMarker = null;
  var frameNext = false;      // fit the map to the point and the results when they arrive
  var statusEl = document.getElementById("gc-status");
  var noticeEl = document.getElementById("gc-notice");
  var choicesEl = document.getElementById("gc-choices");
  var linesEl = document.getElementById("gc-lines");
  var resultsEl = document.getElementById("gc-results");
  var form = document.getElementById("gc-filter-form");

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
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
  function acceptsAge(m, age) {
    if (age === null) { return true; }
    if (m.a0 === null && m.a1 === null) { return true; }   // unknown audience: kept
    return (m.a0 === null || m.a0 <= age) && (m.a1 === null || age <= m.a1);
  }

  function icon(type, approx) {
    var t = cfg.types[type];
    return L.divIcon({
      className: "gc-marker" + (approx ? " gc-approx" : ""),
      html: '<span style="background:' + t.color + '">' + esc(t.short) + "</span>",
      iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12]
    });
  }

  function fmtDistance(m) {
    if (m < 1000) { return Math.round(m / 10) * 10 + " m"; }
    return (m / 1000).toFixed(1).replace(".", ",") + " km";
  }

  function walkText(minutes) {
    if (minutes > 90) { return "trop loin pour y aller à pied"; }
    return "environ " + Math.max(1, Math.round(minutes)) + " min à pied";
  }

  function address(p) {
    var street = p.display_street || p.street;
    return [street, [p.postcode, p.commune].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  }

  function telLink(p, label) {
    return '<a class="gc-tel" href="tel:' + esc(p.phone.replace(/\s/g, "")) + '" aria-label="Appeler ' + esc(label) + '">Appeler ' + esc(p.phone) + "</a>";
  }

  function popupHtml(f) {
    var p = f.properties;
    var lines = ["<strong>" + esc(p.display_name || p.name) + "</strong>", esc(p.type_label)];
    if (address(p)) { lines.push(esc(address(p))); }
    if (p.position_precision === "commune") { lines.push('<em class="gc-approx-text">position approximative (commune)</em>'); }
    if (p.phone) { lines.push('Tél. <a href="tel:' + esc(p.phone.replace(/\s/g, "")) + '">' + esc(p.phone) + "</a>"); }
    if (p.opening_hours_fr) { lines.push("Horaires : " + esc(p.opening_hours_fr)); }
    var a = p.audience || {};
    if (a.groups && a.groups.length) { lines.push("Public : " + esc(a.groups.join(", "))); }
    else if (a.age_min !== null || a.age_max !== null) {
      lines.push("Âges : " + (a.age_min === null ? "0" : a.age_min) + (a.age_max === null ? " ans et plus" : "–" + a.age_max + " ans"));
    }
    if (p.website) { lines.push('<a href="' + esc(p.website) + '" target="_blank" rel="noopener noreferrer">Site web</a>'); }
    lines.push('<small class="gc-provenance">' + esc(p.provenance_fr) + "</small>");
    lines.push('<a class="gc-report" href="/signaler/' + encodeURIComponent(p.id) + '">Signaler une erreur</a>');
    return '<div class="gc-popup">' + lines.join("<br>") + "</div>";
  }

  function openDetails(marker, id) {
    marker.bindPopup("Chargement…").openPopup();
    fetch("/api/resources/" + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (f) {
      marker.setPopupContent(popupHtml(f));
    }).catch(function () { marker.setPopupContent("Détails indisponibles."); });
  }

  function applyFilters() {
    var types = selectedTypes();
    var age = selectedAge();
    cluster.clearLayers();
    var shown = [];
    types.forEach(function (t) {
      (layersByType[t] || []).forEach(function (mk) { if (acceptsAge(mk.gc, age)) { shown.push(mk); } });
    });
    pendingShown = shown.length;
    if (!shown.length) { document.body.setAttribute("data-markers-shown", "0"); }
    cluster.addLayers(shown);
    if (lastQuery) { nearest(lastQuery.lat, lastQuery.lon, lastQuery.label); }
  }

  function loadMarkers() {
    fetch("/api/markers").then(function (r) { return r.json(); }).then(function (data) {
      data.markers.forEach(function (row) {
        var m = { id: row[0], t: row[1], lon: row[2], lat: row[3], approx: row[4] === 1, a0: row[5], a1: row[6] };
        var mk = L.marker([m.lat, m.lon], { icon: icon(m.t, m.approx), title: cfg.types[m.t].label, keyboard: true });
        mk.gc = m;
        mk.on("click", function () { openDetails(mk, m.id); });
        (layersByType[m.t] = layersByType[m.t] || []).push(mk);
        markersById[m.id] = mk;
      });
      map.addLayer(cluster);
      applyFilters();
      document.body.setAttribute("data-markers-loaded", String(data.markers.length));
    }).catch(function (e) { console.error(e); setStatus("Impossible de charger les ressources. Réessayez plus tard."); });
  }

  function clearResults() {
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
    var dist = p.distance_label || fmtDistance(p.distance_m);
    var walk = p.distance_label === "dans la commune" ? "" : " · " + walkText(p.walk_minutes);
    var approx = p.position_precision === "commune" && p.distance_label !== "dans la commune" ? " (position approximative)" : "";
    var serves = p.serves_location === true ? " — intervient à cette adresse" : "";
    var unknown = p.audience_known === false ? '<br><em class="gc-unknown">public non précisé : vérifier auprès du lieu</em>' : "";
    return "<strong>" + esc(p.display_name || p.name) + "</strong><br>" + esc(p.type_label) + " · " + esc(dist) +
      esc(walk) + esc(approx) + esc(serves) + unknown +
      (address(p) ? '<br><span class="gc-addr">' + esc(address(p)) + "</span>" : "");
  }

  function renderLines(lines) {
    if (!linesEl) { return; }
    linesEl.innerHTML = "";
    if (!lines || !lines.length) { linesEl.hidden = true; return; }
    var h = document.createElement("h2");
    h.textContent = "Lignes nationales";
    linesEl.appendChild(h);
    var ul = document.createElement("ul");
    lines.forEach(function (f) {
      var p = f.properties;
      var li = document.createElement("li");
      li.className = "gc-line";
      li.setAttribute("data-id", f.id);
      var a = p.audience || {};
      li.innerHTML = "<strong>" + esc(p.display_name || p.name) + "</strong>" +
        (a.groups && a.groups.length ? "<br>" + esc(a.groups.join(", ")) : "") +
        (p.opening_hours_fr ? "<br>" + esc(p.opening_hours === "24/7" ? "24 h sur 24, 7 jours sur 7" : p.opening_hours_fr) : "") +
        (p.phone ? "<br>" + telLink(p, p.display_name || p.name) : "") +
        '<br><small class="gc-provenance">' + esc(p.provenance_fr) + "</small>";
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
    var qpv = body.query && body.query.qpv ? " (quartier " + body.query.qpv.lib_qp + ")" : "";
    var found = feats.length + " ressource" + (feats.length > 1 ? "s" : "") + " trouvée" + (feats.length > 1 ? "s" : "") +
      " près " + (label || ("de " + where)) + qpv + ".";
    setStatus(body.message ? (feats.length ? found + " " : "") + body.message : found);
    var unknownShown = false;
    feats.forEach(function (f, i) {
      var p = f.properties;
      if (p.audience_known === false && !unknownShown) {
        unknownShown = true;
        var sep = document.createElement("li");
        sep.className = "gc-sep";
        sep.textContent = "Public non précisé (peut-être pas adapté à cet âge) :";
        resultsEl.appendChild(sep);
      }
      var li = document.createElement("li");
      if (p.audience_known === false) { li.className = "gc-unknown-audience"; }
      li.innerHTML = '<button type="button" class="gc-result" data-id="' + esc(f.id) + '">' +
        '<span class="gc-dot" aria-hidden="true" style="background:' + cfg.types[p.type].color + '">' + esc(cfg.types[p.type].short) + "</span>" +
        resultLine(f) + "</button>" + (p.phone ? " " + telLink(p, p.display_name || p.name) : "");
      li.querySelector("button").addEventListener("click", function () {
        var mk = markersById[f.id];
        if (mk) {
          cluster.zoomToShowLayer(mk, function () { openDetails(mk, f.id); });
        } else if (f.geometry) {
          map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], 16);
        }
      });
      resultsEl.appendChild(li);
      if (i === 0) { li.querySelector("button").setAttribute("aria-describedby", "gc-status"); }
    });
    renderLines(body.national_lines);
    document.body.setAttribute("data-results", String(feats.length));
    if (frameNext) { frameNext = false; frame(lat, lon, feats); }
  }

  function nearest(lat, lon, label, opts) {
    lastQuery = { lat: lat, lon: lon, label: label };
    frameNext = !!(opts && opts.frame);
    var params = new URLSearchParams({ lat: lat.toFixed(5), lon: lon.toFixed(5), k: "10" });
    var types = selectedTypes();
    if (types.length === 0) { clearResults(); setStatus("Aucun type de ressource sélectionné."); return; }
    if (types.length < Object.keys(cfg.types).length) { types.forEach(function (t) { params.append("type", t); }); }
    var age = selectedAge();
    if (age !== null) { params.set("age", String(age)); }
    if (queryMarker) { map.removeLayer(queryMarker); }
    queryMarker = L.circleMarker([lat, lon], { radius: 8, color: "#000", weight: 2, fillColor: "#ffd400", fillOpacity: 1 })
      .addTo(map).bindTooltip("Point de recherche");
    setStatus("Recherche des ressources proches…");
    fetch("/api/nearest?" + params.toString()).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, body: b }; });
    }).then(function (res) {
      if (!res.ok) { clearResults(); setStatus(res.body.detail || "Recherche impossible."); return; }
      renderResults(res.body, label, lat, lon);
    }).catch(function () { clearResults(); setStatus("Recherche impossible pour le moment."); });
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
      b.textContent = c.label + (c.population ? " — " + c.population.toLocaleString("fr-FR") + " hab." : "");
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
    setStatus("Recherche du lieu…");
    fetch("/api/geocode?q=" + encodeURIComponent(q)).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; });
    }).then(function (res) {
      if (!res.ok) {
        failed(res.body.detail || "Lieu introuvable.");
        if (res.status === 409) { showChoices("Plusieurs lieux portent ce nom : choisissez.", res.body.candidates); }
        else if (res.body.suggestions && res.body.suggestions.length) { showChoices("Vouliez-vous dire :", res.body.suggestions); }
        return;
      }
      setNotice(res.body.message);
      nearest(res.body.lat, res.body.lon, "de " + (res.body.label || shown), { frame: true });
    }).catch(function () { failed("Recherche impossible pour le moment."); });
  }

  function search(ev) {
    ev.preventDefault();
    var q = document.getElementById("gc-q").value.trim();
    if (q.length < 2) { failed("Saisissez une commune, un code postal, un quartier ou une adresse."); clearChoices(); return; }
    geocode(q, q);
  }

  function locate() {
    if (!navigator.geolocation) { setStatus("La localisation n'est pas disponible sur cet appareil."); return; }
    setStatus("Localisation en cours…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      clearChoices();
      setNotice("");
      nearest(pos.coords.latitude, pos.coords.longitude, "de votre position", { frame: true });
    }, function () { failed("Position refusée ou indisponible : cherchez une commune ou touchez la carte."); },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
  }

  if (cfg.mode === "resident") {
    map.on("click", function (e) { clearChoices(); setNotice(""); nearest(e.latlng.lat, e.latlng.lng, "du point choisi"); });
    document.getElementById("gc-search").addEventListener("submit", search);
    document.getElementById("gc-locate").addEventListener("click", locate);
    document.getElementById("gc-print").addEventListener("click", function () { window.print(); });
    form.addEventListener("change", applyFilters);
    document.getElementById("gc-all-types").addEventListener("click", function () {
      form.querySelectorAll("input[name=type]").forEach(function (i) { i.checked = true; }); applyFilters();
    });
    document.getElementById("gc-no-types").addEventListener("click", function () {
      form.querySelectorAll("input[name=type]").forEach(function (i) { i.checked = false; }); applyFilters();
    });
  }
  loadMarkers();
})();
