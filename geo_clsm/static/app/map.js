/* geo_clsm map script: markers by type (clustered), filters, popups, nearest panel, list view.
 * Everything it fetches comes from the app itself (/api/...). French user-facing text. */
(function () {
  "use strict";
  var cfg = window.GEO_CLSM;
  var map = window[cfg.map];
  if (!map.options.maxZoom) { map.setMaxZoom(19); }  // clustering needs it, even without tiles
  var layersByType = {};      // one layer per resource type
  var markersById = {};
  var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 });
  var lastQuery = null;       // {lat, lon, label} of the last nearest query
  var queryMarker = null;
  var statusEl = document.getElementById("gc-status");
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
    return [p.street, [p.postcode, p.commune].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  }

  function popupHtml(f) {
    var p = f.properties;
    var lines = ["<strong>" + esc(p.name) + "</strong>", esc(p.type_label)];
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
    lines.push('<small>Source : ' + esc(p.source).slice(0, 120) + " — vérifié le " + esc(p.last_verified) + "</small>");
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
    cluster.addLayers(shown);
    document.body.setAttribute("data-markers-shown", String(shown.length));
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

  function renderResults(body, label) {
    resultsEl.innerHTML = "";
    var feats = body.features || [];
    var where = body.query && body.query.commune ? body.query.commune.nom : "";
    var qpv = body.query && body.query.qpv ? " (quartier " + body.query.qpv.lib_qp + ")" : "";
    setStatus(feats.length + " ressource" + (feats.length > 1 ? "s" : "") + " trouvée" + (feats.length > 1 ? "s" : "") +
      " près " + (label || ("de " + where)) + qpv + ".");
    feats.forEach(function (f, i) {
      var p = f.properties;
      var li = document.createElement("li");
      var approx = p.position_precision === "commune" ? " (position approximative)" : "";
      var serves = p.serves_location === true ? " — intervient à cette adresse" : "";
      li.innerHTML = '<button type="button" class="gc-result" data-id="' + esc(f.id) + '">' +
        '<span class="gc-dot" aria-hidden="true" style="background:' + cfg.types[p.type].color + '">' + esc(cfg.types[p.type].short) + "</span>" +
        "<strong>" + esc(p.name) + "</strong><br>" + esc(p.type_label) + " · " + fmtDistance(p.distance_m) +
        " · " + walkText(p.walk_minutes) + esc(approx) + esc(serves) +
        (address(p) ? '<br><span class="gc-addr">' + esc(address(p)) + "</span>" : "") + "</button>" +
        (p.phone ? ' <a class="gc-tel" href="tel:' + esc(p.phone.replace(/\s/g, "")) + '" aria-label="Appeler ' + esc(p.name) + '">Appeler ' + esc(p.phone) + "</a>" : "");
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
  }

  function nearest(lat, lon, label) {
    lastQuery = { lat: lat, lon: lon, label: label };
    var params = new URLSearchParams({ lat: lat.toFixed(5), lon: lon.toFixed(5), k: "10" });
    var types = selectedTypes();
    if (types.length === 0) { resultsEl.innerHTML = ""; setStatus("Aucun type de ressource sélectionné."); return; }
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
      if (!res.ok) { resultsEl.innerHTML = ""; setStatus(res.body.detail || "Recherche impossible."); return; }
      renderResults(res.body, label);
    }).catch(function () { setStatus("Recherche impossible pour le moment."); });
  }

  function search(ev) {
    ev.preventDefault();
    var q = document.getElementById("gc-q").value.trim();
    if (!q) { setStatus("Saisissez une commune, un quartier ou une adresse."); return; }
    fetch("/api/geocode?q=" + encodeURIComponent(q)).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, body: b }; });
    }).then(function (res) {
      if (!res.ok) { setStatus(res.body.detail || "Lieu introuvable."); return; }
      map.setView([res.body.lat, res.body.lon], 14);
      nearest(res.body.lat, res.body.lon, "de " + res.body.label);
    });
  }

  function locate() {
    if (!navigator.geolocation) { setStatus("La localisation n'est pas disponible sur cet appareil."); return; }
    setStatus("Localisation en cours…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      map.setView([pos.coords.latitude, pos.coords.longitude], 14);
      nearest(pos.coords.latitude, pos.coords.longitude, "de votre position");
    }, function () { setStatus("Position refusée ou indisponible : cherchez une commune ou touchez la carte."); },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
  }

  if (cfg.mode === "resident") {
    map.on("click", function (e) { nearest(e.latlng.lat, e.latlng.lng, "du point choisi"); });
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
