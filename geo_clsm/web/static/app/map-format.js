/* geo_clsm map script, formatting part (loaded before map.js): translation of the page's messages,
 * HTML escaping, marker icons, distances, addresses, phone links and the popup of a resource.
 * window.GEO_CLSM_FORMAT(cfg, page) returns these functions for the map configuration and page. */
(function () {
  "use strict";
  window.GEO_CLSM_FORMAT = function (cfg, page) {
    // French msgids, translated from the page's catalogue; {name} placeholders filled from vals.
    function t(s, vals) {
      var out = page.messages[s] || s;
      if (vals) { Object.keys(vals).forEach(function (k) { out = out.split("{" + k + "}").join(vals[k]); }); }
      return out;
    }

    function esc(s) {
      return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
      });
    }
    function typeLabel(p) { return (page.typeLabels && page.typeLabels[p.type]) || p.type_label; }

    function icon(type, approx) {
      var t = cfg.types[type];
      return L.divIcon({
        className: "gc-marker" + (approx ? " gc-approx" : ""),
        html: '<span style="background:' + t.color + '">' + esc(t.short) + "</span>",
        iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12]
      });
    }

    // Numbers and dates in the page's language (Latin digits in Arabic too, as Babel writes them on the server).
    var locale = page.lang === "fr" ? "fr-FR" : (page.lang === "ar" ? "ar-u-nu-latn" : page.lang);
    var km = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    var whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    function fmtDistance(m) {
      if (m < 1000) { return whole.format(Math.round(m / 10) * 10) + " m"; }
      return km.format(m / 1000) + " km";
    }
    // The distance of a nearest result (distance_label: the engine's French words) in the page's language.
    function distanceText(p) {
      var label = p.distance_label || "";
      var words = { "dans la commune": t("dans la commune"), "moins de 100 m": t("moins de 100 m") };
      if (words[label]) { return words[label]; }
      var d = fmtDistance(p.distance_m);
      return /^environ /.test(label) ? t("environ {d}", { d: d }) : d;
    }
    // Where the facts come from, in the page's language (built from the fields behind provenance_fr).
    function provenance(p) {
      if (page.lang === "fr" || !p.provenance_fr) { return p.provenance_fr || ""; }
      if (p.verified_by_person && p.last_verified) {
        return t("vérifié le {date}", { date: new Intl.DateTimeFormat(locale, { dateStyle: "short" }).format(new Date(p.last_verified)) });
      }
      var m = /^source : (.*?)(?:, \S+ \d{4}| \(date non indiquée\))?(?: — à vérifier)?$/.exec(p.provenance_fr);
      var when = p.source_date ? new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(new Date(p.source_date))
        : t("date non indiquée");
      var text = t("source : {source}, {date}", { source: m ? m[1] : "", date: when });
      return p.to_verify ? text + " — " + t("à vérifier") : text;
    }
    // Who a place is for: the source's groups (French) only where the page's language translates them.
    var GROUPS = {  // the groups the sources name most often (the others are shown in French pages only)
      "adultes": t("adultes"), "enfants": t("enfants"), "adolescents": t("adolescents"), "tous": t("tous"),
      "tous publics": t("tous publics"), "personnes âgées": t("personnes âgées"), "familles et proches": t("familles et proches")
    };
    function groups(a) {
      if (page.lang === "fr") { return a.groups || []; }
      return (a.groups || []).filter(function (x) { return GROUPS[x] && GROUPS[x] !== x; }).map(function (x) { return GROUPS[x]; });
    }

    function walkText(minutes) {
      if (minutes > 90) { return t("trop loin pour y aller à pied"); }
      return t("environ {n} min à pied", { n: Math.max(1, Math.round(minutes)) });
    }

    function address(p) {
      var street = p.display_street || p.street;
      return [street, [p.postcode, p.commune].filter(Boolean).join(" ")].filter(Boolean).join(", ");
    }

    function telLink(p, label) {
      return '<a class="gc-tel" href="tel:' + esc(p.phone.replace(/\s/g, "")) + '" aria-label="' + esc(t("Appeler {phone}, {name}", { phone: p.phone, name: label })) + '">' + esc(t("Appeler {phone}", { phone: p.phone })) + "</a>";
    }

    function popupHtml(f) {
      var p = f.properties;
      var lines = ["<strong>" + esc(p.display_name || p.name) + "</strong>", esc(typeLabel(p))];
      if (page.explanations && page.explanations[p.type]) { lines.push('<span class="gc-explain">' + esc(page.explanations[p.type]) + "</span>"); }
      if (address(p)) { lines.push(esc(address(p))); }
      if (p.position_precision === "commune") { lines.push('<em class="gc-approx-text">' + esc(t("position approximative (commune)")) + "</em>"); }
      if (p.phone) { lines.push(esc(t("Tél.")) + ' <a href="tel:' + esc(p.phone.replace(/\s/g, "")) + '">' + esc(p.phone) + "</a>"); }
      if (p.opening_hours_fr) { lines.push(esc(t("Horaires :")) + " " + (page.lang === "fr" ? esc(p.opening_hours_fr) : "<bdi>" + esc(p.opening_hours) + "</bdi>")); }
      if (p.open_now === true) { lines.push('<strong class="gc-open">' + esc(t("Ouvert maintenant")) + "</strong>"); }
      if (p.open_now === false) { lines.push('<span class="gc-closed">' + esc(t("Fermé maintenant")) + "</span>"); }
      var a = p.audience || {};
      if (groups(a).length) { lines.push(esc(t("Public :")) + " " + esc(groups(a).join(", "))); }
      else if (a.age_min !== null || a.age_max !== null) {
        lines.push(a.age_max === null ? t("Âges : {min} ans et plus", { min: a.age_min === null ? 0 : a.age_min })
          : t("Âges : {min}–{max} ans", { min: a.age_min === null ? 0 : a.age_min, max: a.age_max }));
      }
      if (p.website) { lines.push('<a href="' + esc(p.website) + '" target="_blank" rel="noopener noreferrer">' + esc(t("Site web")) + "</a>"); }
      lines.push('<small class="gc-provenance">' + esc(provenance(p)) + "</small>");
      lines.push('<a class="gc-report" href="/signaler/' + encodeURIComponent(p.id) + (page.lang === "fr" ? "" : "?lang=" + page.lang) + '">' + esc(t("Signaler une erreur")) + "</a>");
      return '<div class="gc-popup">' + lines.join("<br>") + "</div>";
    }

    // A point drawn over the places on ``map``: the search point, the planner's what-if changes.
    function pin(map, lat, lon, colour, tip, opts) {
      var mk = L.circleMarker([lat, lon], { radius: (opts && opts.radius) || 8, color: "#000", weight: 2, fillColor: colour, fillOpacity: 1 });
      mk.addTo(map);
      return tip ? mk.bindTooltip(tip, opts && opts.tooltip) : mk;
    }

    return {
      t: t, esc: esc, typeLabel: typeLabel, icon: icon, pin: pin, fmtDistance: fmtDistance, distanceText: distanceText,
      provenance: provenance, groups: groups, locale: locale, walkText: walkText,
      address: address, telLink: telLink, popupHtml: popupHtml
    };
  };
})();
