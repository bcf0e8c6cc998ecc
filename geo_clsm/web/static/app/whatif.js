/* geo_clsm planner: the what-if screen of /planning. Add a place of the page's type (a click on
 * the map), move one (a click on its marker, then on the map) or remove one (a click on its marker);
 * without a mouse, a place is added or moved to an address or commune (the gazetteer, /api/geocode)
 * or to the map's centre with the form #gc-whatif-place, and a marker is chosen with Tab and Enter.
 * « Calculer » sends the changes to POST /api/scenarios and shows each QPV's figures before and
 * after, in a table and on the map (a label on each QPV). Nothing is saved. Markers, icons and
 * points come from map.js (window.GEO_CLSM_APP.fmt: map-format.js's pin and icon). French only, as the planner's pages. */
(function () {
  "use strict";
  var box = document.getElementById("gc-whatif");
  var app = window.GEO_CLSM_APP;
  if (!box || !app || !app.map) { return; }
  var map = app.map;
  var territory = box.getAttribute("data-territory");
  var rtype = box.getAttribute("data-type");
  var typeLabel = box.getAttribute("data-type-label");
  var hint = document.getElementById("gc-whatif-hint");
  var list = document.getElementById("gc-whatif-changes");
  var run = document.getElementById("gc-whatif-run");
  var reset = document.getElementById("gc-whatif-reset");
  var out = document.getElementById("gc-whatif-result");
  var where = document.getElementById("gc-whatif-place");     // the keyboard's way to place: address or centre
  var whereQ = document.getElementById("gc-whatif-q");
  var centre = document.getElementById("gc-whatif-centre");
  var changes = [];           // {action, id, type, lon, lat, label, layer}
  var mode = null;            // "add", "move", "remove", or "move-to" (a place to move is chosen)
  var moving = null;          // the marker's data while choosing where it goes
  var labels = [];            // before/after labels drawn on the QPV
  var added = 0;
  var byKeyboard = false;     // the last action came from the keyboard: the next field gets the focus
  document.addEventListener("keydown", function () { byKeyboard = true; }, true);
  document.addEventListener("pointerdown", function () { byKeyboard = false; }, true);

  function num(v, unit) {
    if (v === null || v === undefined) { return "—"; }
    return Math.round(v).toLocaleString("fr-FR") + (unit ? "\u202f" + unit : "");
  }
  function signed(v, unit) {
    if (v === null || v === undefined) { return "—"; }
    if (Math.round(v) === 0) { return "0" + (unit ? "\u202f" + unit : ""); }
    return (v > 0 ? "+" : "−") + num(Math.abs(v), unit);
  }
  function pct(v) { return v === null || v === undefined ? "—" : Math.round(v * 100) + "\u202f%"; }

  function setMode(m, text) {
    mode = m;
    box.querySelectorAll("[data-mode]").forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === m)); });
    hint.textContent = text || "";
    var placing = m === "add" || m === "move-to";
    map.getContainer().style.cursor = placing ? "crosshair" : "";
    if (where) { where.hidden = !placing; }
  }

  function draw() {
    list.innerHTML = "";
    changes.forEach(function (c, i) {
      var li = document.createElement("li");
      li.textContent = c.label + " ";
      var undo = document.createElement("button");
      undo.type = "button";
      undo.textContent = "Annuler";
      undo.setAttribute("aria-label", "Annuler : " + c.label);
      undo.addEventListener("click", function () {
        if (c.layer) { map.removeLayer(c.layer); }
        changes.splice(i, 1);
        draw();
      });
      li.appendChild(undo);
      list.appendChild(li);
    });
    run.disabled = !changes.length;
    reset.hidden = !changes.length;
    box.setAttribute("data-changes", String(changes.length));
  }

  var TIP = { permanent: true, direction: "top", className: "gc-whatif-pin" };
  function pin(lat, lon, text, colour) { return app.fmt.pin(map, lat, lon, colour, text, { radius: 9, tooltip: TIP }); }
  function newPlace(lat, lon, text) {  // drawn as a place of its type (map-format.js icon)
    return L.marker([lat, lon], { icon: app.fmt.icon(rtype, false), title: text, keyboard: false })
      .addTo(map).bindTooltip(text, TIP);
  }

  function placeAt(lat, lon, said) {  // a tap on the map, an address or the map's centre
    var at = said ? " (" + said + ")" : "";
    if (mode === "add") {
      added += 1;
      var id = "scenario-" + added;
      changes.push({ action: "add", id: id, type: rtype, lon: lon, lat: lat, label: "Ajout : " + typeLabel + " n° " + added + at,
        layer: newPlace(lat, lon, "Ajout n° " + added) });
      setMode(null, "Lieu ajouté" + at + ". Ajoutez-en un autre, ou calculez.");
      draw();
    } else if (mode === "move-to" && moving) {
      changes.push({ action: "move", id: moving.id, lon: lon, lat: lat, label: "Déplacement : " + moving.name + at,
        layer: pin(lat, lon, "Nouvelle place : " + moving.name, "#1f77b4") });
      moving = null;
      setMode(null, "Lieu déplacé" + at + ". Calculez pour voir l'effet.");
      draw();
    }
  }
  map.on("click", function (e) { placeAt(e.latlng.lat, e.latlng.lng, ""); });

  if (where) {
    where.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = whereQ.value.trim();
      if (q.length < 2) { hint.textContent = "Saisissez une adresse ou une commune."; whereQ.focus(); return; }
      hint.textContent = "Recherche du lieu…";
      fetch("/api/geocode?q=" + encodeURIComponent(q))
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (res) {
          if (!res.ok) {
            var list = (res.body.candidates || res.body.suggestions || []).map(function (c) { return c.label; }).filter(Boolean);
            hint.textContent = (res.body.detail || "Lieu introuvable.") + (list.length ? " Par exemple : " + list.slice(0, 3).join(" ; ") + "." : "");
            whereQ.focus();
            return;
          }
          whereQ.value = "";
          placeAt(res.body.lat, res.body.lon, res.body.label || q);
          run.focus();
        })
        .catch(function () { hint.textContent = "Recherche impossible pour le moment."; });
    });
    centre.addEventListener("click", function () {
      var c = map.getCenter();
      placeAt(c.lat, c.lng, "centre de la carte");
      run.focus();
    });
  }

  function named(c, id, prefix) {  // the place's name, from its public view, in the list of changes
    fetch("/api/resources/" + encodeURIComponent(id)).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (f) {
        if (f && f.properties) { c.label = prefix + (f.properties.display_name || f.properties.name); draw(); }
      }).catch(function () {});
  }

  app.onMarkerClick(function (m, mk) {
    if (mode !== "move" && mode !== "remove") { return false; }
    var name = (mk.options && mk.options.title) || m.id;
    if (mode === "remove") {
      var removed = { action: "remove", id: m.id, label: "Retrait : " + name + " (" + m.id + ")",
        layer: pin(m.lat, m.lon, "Retiré", "#d62728") };
      changes.push(removed);
      named(removed, m.id, "Retrait : ");
      setMode(null, "Lieu retiré. Calculez pour voir l'effet.");
      draw();
    } else {
      moving = { id: m.id, name: name + " (" + m.id + ")" };
      setMode("move-to", "Touchez la carte à la nouvelle place de ce lieu, ou donnez son adresse ci-dessous.");
      if (byKeyboard && whereQ) { whereQ.focus(); }
    }
    return true;
  });

  box.querySelectorAll("[data-mode]").forEach(function (b) {
    b.addEventListener("click", function () {
      var m = b.getAttribute("data-mode");
      if (mode === m) { setMode(null, ""); return; }
      setMode(m, m === "add" ? "Touchez la carte là où ouvrirait le nouveau lieu (" + typeLabel + "), ou donnez son adresse ci-dessous."
        : m === "move" ? "Touchez le lieu à déplacer sur la carte (zoomez pour séparer les groupes ; au clavier : Tab jusqu'au lieu, puis Entrée)."
        : "Touchez le lieu à retirer sur la carte (zoomez pour séparer les groupes ; au clavier : Tab jusqu'au lieu, puis Entrée).");
      if (m === "add" && byKeyboard && whereQ) { whereQ.focus(); }
    });
  });

  function clearLabels() { labels.forEach(function (l) { map.removeLayer(l); }); labels = []; }

  reset.addEventListener("click", function () {
    changes.forEach(function (c) { if (c.layer) { map.removeLayer(c.layer); } });
    changes = [];
    clearLabels();
    out.innerHTML = "";
    setMode(null, "");
    draw();
  });

  function qpvLayers() {
    var found = {};
    map.eachLayer(function (l) {
      var p = l.feature && l.feature.properties;
      if (p && p.code_qp && l.getBounds) { found[p.code_qp] = l; }
    });
    return found;
  }

  function show(rows) {
    var mine = rows.filter(function (r) { return r.resource_type === rtype; });
    var table = document.createElement("table");
    table.id = "gc-whatif-table";
    table.innerHTML = "<caption>Avant / après, par QPV — " + typeLabel + "</caption><thead><tr>" +
      "<th scope='col'>QPV</th><th scope='col'>Distance moyenne avant</th><th scope='col'>après</th>" +
      "<th scope='col'>écart</th><th scope='col'>Part à moins de 1 km avant</th><th scope='col'>après</th></tr></thead>";
    var body = document.createElement("tbody");
    var layers = qpvLayers();
    clearLabels();
    mine.sort(function (a, b) { return (a.mean_m_diff || 0) - (b.mean_m_diff || 0); }).forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-code", r.code_qp);
      var cells = [num(r.mean_m_before, "m"), num(r.mean_m_after, "m"), signed(r.mean_m_diff, "m"),
        pct(r.within_1000m_share_before), pct(r.within_1000m_share_after)];
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = r.lib_qp;
      tr.appendChild(th);
      cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
      body.appendChild(tr);
      var layer = layers[r.code_qp];
      if (layer && Math.round(r.mean_m_diff || 0) !== 0) {  // a label where the figure changes
        var text = r.lib_qp + " : " + signed(r.mean_m_diff, "m");
        labels.push(L.tooltip({ permanent: true, direction: "center", className: "gc-whatif-label" })
          .setLatLng(layer.getBounds().getCenter()).setContent(text).addTo(map));
      }
    });
    table.appendChild(body);
    out.innerHTML = "";
    var p = document.createElement("p");
    var better = mine.filter(function (r) { return r.mean_m_diff < 0; }).length;
    p.textContent = better + " QPV sur " + mine.length + " se rapprochent d'un lieu de ce type (écart sur la carte) ; " +
      "les autres ne changent pas ou s'en éloignent. Distances à vol d'oiseau ; rien n'est enregistré.";
    out.appendChild(p);
    out.appendChild(table);
  }

  run.addEventListener("click", function () {
    var body = { territory: territory, types: [rtype], changes: changes.map(function (c) {
      var ch = { action: c.action, id: c.id };
      if (c.action === "add") { ch.type = c.type; ch.name = c.label; }
      if (c.action !== "remove") { ch.lon = Number(c.lon.toFixed(6)); ch.lat = Number(c.lat.toFixed(6)); }
      return ch;
    }) };
    run.disabled = true;
    hint.textContent = "Calcul en cours…";
    fetch("/api/scenarios", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        run.disabled = false;
        if (!res.ok) {
          var d = res.body.detail;
          hint.textContent = "Calcul impossible : " + (typeof d === "string" ? d : "changements refusés.");
          return;
        }
        hint.textContent = "Calcul terminé.";
        show(res.body.rows || []);
        box.setAttribute("data-computed", "1");
      })
      .catch(function () { run.disabled = false; hint.textContent = "Calcul impossible pour le moment."; });
  });
  draw();
})();
