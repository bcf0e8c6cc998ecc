/* "Que faire ?" orientation helper: three questions answered with buttons (pour qui, âge,
 * situation), rules from geo_clsm/i18n/orientation.toml (passed in the page's JSON config).
 * A crisis answer shows 3114 and 15, then the nearest psychiatric emergency, before anything else. */
(function () {
  "use strict";
  var app = window.GEO_CLSM_APP;
  var steps = document.getElementById("gc-orient-steps");
  var out = document.getElementById("gc-orient-result");
  if (!app || !steps || !out) { return; }
  var t = app.t;
  var rules = app.page.orientation;
  var answers = {};
  var crisis = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }

  function question(title, choices, onPick) {
    steps.innerHTML = "";
    var fs = el("fieldset", "gc-orient-q");
    fs.appendChild(el("legend", null, title));
    choices.forEach(function (c) {
      var b = el("button", "gc-orient-btn", t(c.label));
      b.type = "button";
      b.setAttribute("data-choice", c.id);
      b.addEventListener("click", function () { onPick(c); });
      fs.appendChild(b);
    });
    steps.appendChild(fs);
    var first = fs.querySelector("button");
    if (first && answers.started) { first.focus(); }
  }

  function askWho() {
    question(t("Pour qui cherchez-vous de l'aide ?"), rules.who, function (c) {
      answers = { started: true, who: c.id };
      askAge();
    });
  }

  function askAge() {
    var ages = answers.who === "enfant" ? rules.ages.filter(function (a) { return a.age < 26; }) : rules.ages;
    question(t("Quel âge a la personne ?"), ages, function (c) { answers.age = c; askSituation(); });
  }

  function askSituation() {
    question(t("Quelle est la situation ?"), rules.situations, function (s) { answers.situation = s; show(); });
  }

  // A call link whose number is isolated left to right (in Arabic a number's digit groups, or the
  // number beside the words, would otherwise be reordered): `shown` is the number as written in `label`.
  function telLink(number, label, shown) {
    var a = el("a", "gc-tel gc-big-tel");
    a.href = "tel:" + number;
    var at = label.indexOf(shown);
    if (at < 0) { a.textContent = label; return a; }
    a.appendChild(document.createTextNode(label.slice(0, at)));
    var b = el("bdi", "gc-phone", shown);
    b.dir = "ltr";
    a.appendChild(b);
    a.appendChild(document.createTextNode(label.slice(at + shown.length)));
    return a;
  }

  function show() {
    var s = answers.situation;
    var age = answers.age ? answers.age.age : null;
    var types = age !== null && age < 18 && s.typesMinor.length ? s.typesMinor : s.types;
    out.innerHTML = "";
    crisis = null;
    if (s.crisis) {
      crisis = el("div", "gc-crisis");
      crisis.setAttribute("role", "alert");
      crisis.appendChild(el("p", "gc-crisis-title", t("Appelez maintenant :")));
      var ul = el("ul");
      var labels = { "3114": t("3114 — prévention du suicide, 24 h sur 24"), "15": t("15 — SAMU, urgence médicale") };
      s.numbers.forEach(function (n) { var li = el("li"); li.appendChild(telLink(n, labels[n] || n, n)); ul.appendChild(li); });
      crisis.appendChild(ul);
      var near = el("p", "gc-crisis-near", app.hasQuery() || answers.locate ? t("Recherche des urgences psychiatriques les plus proches…")
        : t("Pour les urgences psychiatriques les plus proches, indiquez votre commune ou touchez « Me localiser »."));
      crisis.appendChild(near);
      out.appendChild(crisis);
      if (answers.locate && !app.hasQuery()) {  // one tap: the nearest emergency of where the person is, if the browser may say
        app.locate(function () {
          near.textContent = t("Pour les urgences psychiatriques les plus proches, indiquez votre commune ou touchez « Me localiser ».");
        });
      }
    }
    var h = el("h3", null, t("À qui s'adresser"));
    out.appendChild(h);
    var dl = el("ul", "gc-explain-list");
    types.forEach(function (ty) {
      var li = el("li");
      li.setAttribute("data-type", ty);
      li.appendChild(el("strong", null, app.page.typeLabels[ty] || ty));
      li.appendChild(document.createTextNode(" — " + (app.page.explanations[ty] || "")));
      dl.appendChild(li);
    });
    out.appendChild(dl);
    if (!app.hasQuery()) { out.appendChild(el("p", "gc-hint", t("Indiquez votre commune ou touchez « Me localiser » pour voir les lieux les plus proches."))); }
    var again = el("button", "gc-orient-again", t("Recommencer"));
    again.type = "button";
    again.addEventListener("click", function () { out.innerHTML = ""; answers = { started: true }; askWho(); });
    out.appendChild(again);
    steps.innerHTML = "";
    app.setFilters(types, answers.age ? answers.age.id : "");
    if (crisis) {  // the whole box on screen (the panel is short on a phone), focus on 3114
      crisis.scrollIntoView({ block: "start" });
      crisis.querySelector("a").focus({ preventScroll: true });
    } else { h.setAttribute("tabindex", "-1"); h.focus(); }
  }

  // The person's sector under « À qui s'adresser »: the CMP of their sector by name, or why it is unknown.
  app.onResults(function (body) {
    if (!out.firstChild) { return; }
    var line = out.querySelector(".gc-orient-sector") || el("p", "gc-orient-sector gc-sectors");
    var f = (body.features || []).filter(function (x) { return x.properties.sector_label === "CMP de votre secteur"; })[0];
    line.innerHTML = f ? app.fmt.esc(t("CMP de votre secteur")) + " : " + app.fmt.nameHtml(f.properties.display_name || f.properties.name)
      : app.sectorsHtml(body.query);  // names isolated (<bdi>): map-format.js
    var list = out.querySelector(".gc-explain-list");
    if (!line.parentNode && list) { list.parentNode.insertBefore(line, list.nextSibling); }
  });

  app.onResults(function (body) {
    if (!crisis) { return; }
    var near = crisis.querySelector(".gc-crisis-near");
    var f = (body.features || []).filter(function (x) { return x.properties.type === "URGENCES_PSY"; })[0];
    if (!f) { near.textContent = t("Pas d'urgence psychiatrique connue près d'ici : appelez le 15."); return; }
    var p = f.properties;
    near.textContent = "";
    near.appendChild(el("strong", null, t("Urgences psychiatriques les plus proches :") + " "));
    near.appendChild(document.createTextNode((p.display_name || p.name) + " · "));
    var dist = el("bdi", null, p.distance_label ? app.distanceText(p) : "");
    near.appendChild(dist);
    if (p.phone) { near.appendChild(document.createTextNode(" · ")); near.appendChild(telLink(p.phone.replace(/\s/g, ""), p.phone, p.phone)); }
  });

  // « Urgence ou idées suicidaires », one tap from the first screen: the crisis answer without the three questions.
  var now = document.getElementById("gc-crisis-now");
  var crisisSituation = rules.situations.filter(function (s) { return s.crisis; })[0];
  if (now && crisisSituation) {
    now.addEventListener("click", function (ev) {
      ev.preventDefault();
      answers = { started: true, situation: crisisSituation, locate: true };
      show();
    });
  }

  askWho();
})();
