/* geo_clsm planner: « Suggérer » on /planning. The planner names a type, a number of sites and an
 * objective (shortest mean distance, or the most residents within a distance); the form is sent to
 * POST /api/suggestions as a background job (202 + job URL), whose step and progress are shown
 * until it ends. The suggested sites are drawn on the map (map-format.js's pin), their effect per
 * QPV is shown before / after in a table and as labels on the QPV (as « Simuler » does), with links
 * to the files (French CSV, XLSX, GeoJSON) and to a page to print. Words in the page's language
 * (t(), translations in #gc-suggest-config); numbers with Intl, Latin digits. */
(function () {
  "use strict";
  var box = document.getElementById("gc-suggest");
  var app = window.GEO_CLSM_APP;
  if (!box || !app || !app.map) { return; }
  var map = app.map;
  var cfgEl = document.getElementById("gc-suggest-config");
  var cfg = cfgEl ? JSON.parse(cfgEl.textContent) : { lang: "fr", messages: {} };
  var messages = cfg.messages || {};
  function t(text) { return messages[text] || text; }
  var lang = cfg.lang || "fr";
  var numbers = new Intl.NumberFormat(lang + "-u-nu-latn", { maximumFractionDigits: 0 });
  var form = document.getElementById("gc-suggest-form");
  var runBtn = document.getElementById("gc-suggest-run");
  var status = document.getElementById("gc-suggest-status");
  var bar = document.getElementById("gc-suggest-progress");
  var out = document.getElementById("gc-suggest-result");
  var territory = box.getAttribute("data-territory");
  var layers = [];
  var polling = null;

  function num(v, unit) {
    if (v === null || v === undefined) { return "—"; }
    return numbers.format(Math.round(v)) + (unit ? "\u202f" + unit : "");
  }
  function signed(v, unit) {
    if (v === null || v === undefined) { return "—"; }
    if (Math.round(v) === 0) { return "0" + (unit ? "\u202f" + unit : ""); }
    return (v > 0 ? "+" : "−") + num(Math.abs(v), unit);
  }
  function pct(v) { return v === null || v === undefined ? "—" : numbers.format(Math.round(v * 100)) + "\u202f%"; }
  function say(text) { status.textContent = text; }
  function clearMap() { layers.forEach(function (l) { map.removeLayer(l); }); layers = []; }

  function stepText(step) {  // the server's French steps, in the page's language
    if (step.indexOf("recherche exacte") === 0) { return t("recherche exacte du meilleur choix"); }
    var known = {
      "en attente d'un calcul en cours": t("en attente d'un calcul en cours"),
      "calcul en cours": t("calcul en cours"),
      "population et distances": t("population et distances"),
      "choix des sites": t("choix des sites"),
      "relaxation linéaire": t("première estimation"),
      "effet par QPV": t("effet par QPV")
    };
    return known[step] || step;
  }

  function qpvLayers() {
    var found = {};
    map.eachLayer(function (l) {
      var p = l.feature && l.feature.properties;
      if (p && p.code_qp && l.getBounds) { found[p.code_qp] = l; }
    });
    return found;
  }

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function table(rows, rtype, typeLabel) {
    var mine = rows.filter(function (r) { return r.resource_type === rtype; });
    var tab = el("table", null, { id: "gc-suggest-table" });
    tab.appendChild(el("caption", t("Avant / après, par QPV") + " — " + typeLabel));
    var head = el("tr");
    [t("QPV"), t("Distance moyenne avant"), t("après"), t("écart"), t("Part à moins de 1 km avant"), t("après")]
      .forEach(function (h) { head.appendChild(el("th", h, { scope: "col" })); });
    tab.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    var qpv = qpvLayers();
    mine.sort(function (a, b) { return (a.mean_m_diff || 0) - (b.mean_m_diff || 0); }).forEach(function (r) {
      var tr = el("tr", null, { "data-code": r.code_qp });
      tr.appendChild(el("th", r.lib_qp, { scope: "row" }));
      [num(r.mean_m_before, "m"), num(r.mean_m_after, "m"), signed(r.mean_m_diff, "m"),
        pct(r.within_1000m_share_before), pct(r.within_1000m_share_after)]
        .forEach(function (c) { tr.appendChild(el("td", c)); });
      body.appendChild(tr);
      var layer = qpv[r.code_qp];
      if (layer && Math.round(r.mean_m_diff || 0) !== 0) {
        layers.push(L.tooltip({ permanent: true, direction: "center", className: "gc-whatif-label" })
          .setLatLng(layer.getBounds().getCenter()).setContent(r.lib_qp + " : " + signed(r.mean_m_diff, "m")).addTo(map));
      }
    });
    tab.appendChild(body);
    return { table: tab, better: mine.filter(function (r) { return r.mean_m_diff < 0; }).length, total: mine.length };
  }

  function show(answer, jobUrl, typeLabel) {
    clearMap();
    out.innerHTML = "";
    var o = answer.objective || {};
    if (!answer.sites.length) { say(t("Aucun site candidat n'améliore l'accès.")); return; }
    var summary = o.name === "coverage"
      ? t("Habitants (pondérés) à moins de {d} m :").replace("{d}", num(o.within_m)) + " " + num(o.before) + " → " + num(o.after)
      : t("Distance moyenne pondérée :") + " " + num(o.before, "m") + " → " + num(o.after, "m");
    out.appendChild(el("p", summary, { id: "gc-suggest-objective" }));
    var list = el("ol", null, { id: "gc-suggest-sites", "aria-label": t("Sites suggérés") });
    var bounds = [];
    answer.sites.forEach(function (s, i) {
      var name = t("Site suggéré n° {n}").replace("{n}", String(i + 1));
      list.appendChild(el("li", name + " : " + s.label + " (" + t(s.kind_fr) + ")"));
      layers.push(app.fmt.pin(map, s.lat, s.lon, "#1a7f37", name,
        { radius: 10, tooltip: { permanent: true, direction: "top", className: "gc-whatif-pin" } }));
      bounds.push([s.lat, s.lon]);
    });
    out.appendChild(list);
    var res = table(answer.rows || [], answer.type, typeLabel);
    out.appendChild(el("p", t("{n} QPV sur {total} se rapprochent d'un lieu de ce type (écart sur la carte). Distances à vol d'oiseau ; rien n'est enregistré.")
      .replace("{n}", String(res.better)).replace("{total}", String(res.total))));
    out.appendChild(res.table);
    var files = el("p", t("Télécharger :") + " ", { class: "gc-downloads" });
    [["csv-fr", t("CSV pour tableur français")], ["xlsx", t("tableur XLSX")], ["geojson", "GeoJSON"]].forEach(function (f, i) {
      if (i) { files.appendChild(document.createTextNode(" · ")); }
      files.appendChild(el("a", f[1], { href: jobUrl + "/export?format=" + f[0], download: "" }));
    });
    files.appendChild(document.createTextNode(" · "));
    files.appendChild(el("a", t("Page à imprimer"), { href: jobUrl + "/print?lang=" + encodeURIComponent(lang), target: "_blank", rel: "noopener" }));
    out.appendChild(files);
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds).pad(0.6), { maxZoom: 14 }); }
    box.setAttribute("data-suggested", String(answer.sites.length));
    say(t("Calcul terminé :") + " " + answer.sites.length + " " + t("site(s) suggéré(s)") + ".");
  }

  function poll(jobUrl, typeLabel) {
    fetch(jobUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { done(); say(t("Calcul impossible :") + " " + (res.body.detail || "")); return; }
        var job = res.body;
        bar.value = job.progress || 0;
        if (job.status === "terminé") { done(); show(job.result, jobUrl, typeLabel); return; }
        if (job.status === "échec") { done(); say(t("Calcul impossible :") + " " + (job.error || "")); return; }
        say(t("Calcul en cours :") + " " + stepText(job.step) + " (" + numbers.format(Math.round(100 * (job.progress || 0))) + "\u202f%)");
        polling = window.setTimeout(function () { poll(jobUrl, typeLabel); }, 700);
      })
      .catch(function () { done(); say(t("Calcul impossible pour le moment.")); });
  }

  function done() { runBtn.disabled = false; bar.hidden = true; polling = null; }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (polling) { return; }
    var data = new FormData(form);
    var sites = Number(data.get("sites"));
    if (!(sites >= 1 && sites <= 10) || Math.round(sites) !== sites) {
      say(t("Nombre de sites : un nombre entier de 1 à 10."));
      document.getElementById("gc-suggest-sites").focus();
      return;
    }
    var typeSel = document.getElementById("gc-suggest-type");
    var typeLabel = typeSel.options[typeSel.selectedIndex].text;
    var body = { territory: territory, type: data.get("type"), sites: sites, objective: data.get("objective"),
      qpv_weight: Number(data.get("qpv_weight")) || 1, background: true };
    if (body.objective === "coverage") { body.within_m = Number(data.get("within_m")); }
    runBtn.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    say(t("Calcul en cours…"));
    fetch(cfg.suggestions || "/api/suggestions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); })
      .then(function (res) {
        if (res.status === 202) { poll(res.body.job_url, typeLabel); return; }
        done();
        var d = res.body.detail;
        say(t("Calcul impossible :") + " " + (typeof d === "string" ? d : t("demande refusée.")));
      })
      .catch(function () { done(); say(t("Calcul impossible pour le moment.")); });
  });
})();
