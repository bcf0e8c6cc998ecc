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
      if (p.verified_by && p.last_verified) {
        var day = new Intl.DateTimeFormat(locale, { dateStyle: "short" }).format(new Date(p.last_verified));
        return p.verified_by === "structure" ? t("confirmé par le lieu le {date}", { date: day })
          : t("vérifié par l'équipe du CLSM le {date}", { date: day });
      }
      var when = p.source_date ? new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(new Date(p.source_date))
        : t("date non indiquée");
      var text = t("issu de {source} ({date}), non confirmé", { source: p.source_short || "", date: when });
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

    // A phone number shown left to right on every page: in Arabic its digit groups would read backwards
    // (« 40 86 62 87 03 ») without the isolate. The link's accessible name (aria-label) holds the
    // digits in order, and starts with the text shown (label in name, WCAG 2.5.3).
    function phoneHtml(phone) { return '<bdi class="gc-phone" dir="ltr">' + esc(phone) + "</bdi>"; }
    function telLink(p, label) {
      return '<a class="gc-tel" href="tel:' + esc(p.phone.replace(/\s/g, "")) + '" aria-label="' + esc(t("Appeler {phone}, {name}", { phone: p.phone, name: label })) + '">' +
        esc(t("Appeler {phone}")).split("{phone}").join(phoneHtml(p.phone)) + "</a>";
    }

    // Opening hours in words in the page's language (the public view's opening_hours_words, from the one describer).
    function hoursText(p) {
      var w = p.opening_hours_words;
      return w ? (w[page.lang] || w.fr) : (p.opening_hours_fr || "");
    }

    // The psychiatric sector (geo_clsm/engine/sector_roles.py): the mark of a nearest result, and the point's sectors.
    var roles = {};  // resource id -> {sector_role, sector_label} of the last nearest answer (for the popups)
    function sectorMark(p) {
      if (p.sector_role === "hors_secteur") { return t("hors de votre secteur : appeler avant de vous déplacer"); }
      if (p.sector_role !== "referent") { return ""; }
      return p.sector_label === "CMP de votre secteur" ? t("CMP de votre secteur") : t("lieu de votre secteur");
    }
    function sectorMarkHtml(p) {
      var mark = sectorMark(p);
      return mark ? '<strong class="gc-sector gc-sector-' + esc(p.sector_role) + '">' + esc(mark) + "</strong>" : "";
    }
    // A French proper name or address (a sector's, a place's) isolated from the page's direction: on an Arabic page
    // its words stay together and in their own order, apart from the Arabic around it.
    function nameHtml(name) { return "<bdi>" + esc(name) + "</bdi>"; }
    function sectorsHtml(q) {
      q = q || {};
      var notes = {
        no_data: t("sectorisation non renseignée"), no_sector: t("secteur inconnu pour cette adresse"),
        split_commune: t("secteur inconnu pour cette adresse : la commune est partagée entre plusieurs secteurs, précisez l'adresse")
      };
      var note = esc(notes[q.sector_status] || "");
      if (!q.sectors || !q.sectors.length) { return note; }
      var known = esc(t("Votre secteur : {names}")).split("{names}").join(q.sectors.map(function (s) {
        return nameHtml(s.name) + " (" + esc(GROUPS[s.public] || s.public) + ")";
      }).join(", "));
      return note ? known + ". " + note : known;  // a public known, another not
    }
    // The point's sectors, or why they are unknown, in one line just above the results list (made here).
    function showSectors(resultsEl, html) {
      var el = document.getElementById("gc-sectors");
      if (!el && html) {
        el = document.createElement("p");
        el.id = "gc-sectors";
        el.className = "gc-sectors";
        resultsEl.parentNode.insertBefore(el, resultsEl);
      }
      if (el) { el.innerHTML = html; el.hidden = !html; }
    }
    function rememberRoles(feats) {
      roles = {};
      feats.forEach(function (f) { if (f.properties.sector_role) { roles[f.id] = f.properties; } });
    }
    // The dated facts (geo_clsm/web/pages/dated_words.py, same words): a notice running, the stated
    // wait (older than three months says so), new requests, « à confirmer par téléphone ».
    function shortDay(iso) {
      return new Intl.DateTimeFormat(locale, { dateStyle: "short", timeZone: "UTC" }).format(new Date(String(iso).slice(0, 10)));
    }
    function datedLines(p) {
      var out = [];
      if (p.notice) {
        out.push('<strong class="gc-dated-notice">' + esc(t("Avis du {start} au {end} : {text}",
          { start: shortDay(p.notice.start), end: shortDay(p.notice.end), text: p.notice.text })) + "</strong>");
      }
      var accepts = { "oui": t("Accepte de nouvelles demandes"), "non": t("N'accepte pas de nouvelles demandes pour le moment"),
        "liste_attente": t("Nouvelles demandes sur liste d'attente") }[p.accepts_new];
      if (accepts) { out.push('<span class="gc-accepts">' + esc(accepts) + "</span>"); }
      if (p.wait_days !== null && p.wait_days !== undefined && p.wait_stated_on) {
        var n = p.wait_days;
        var days = n === 0 ? t("moins d'un jour") : (n === 1 ? t("1 jour") : t("{n} jours", { n: n }));
        var words = p.wait_old ? t("Premier rendez-vous : environ {days} (délai indiqué le {date}, il y a plus de 3 mois)", { days: days, date: shortDay(p.wait_stated_on) })
          : t("Premier rendez-vous : environ {days} (délai indiqué le {date})", { days: days, date: shortDay(p.wait_stated_on) });
        out.push('<span class="gc-wait">' + esc(words) + "</span>");
      }
      if (p.to_confirm) { out.push('<strong class="gc-to-confirm">' + esc(t("à confirmer par téléphone")) + "</strong>"); }
      return out;
    }

    function popupHtml(f) {
      var p = f.properties;
      var lines = ["<strong>" + esc(p.display_name || p.name) + "</strong>", esc(typeLabel(p))];
      var dated = datedLines(p);
      if (p.notice) { lines.push(dated.shift()); }  // a notice first: it may say the place is closed
      if (roles[f.id]) { lines.push(sectorMarkHtml(roles[f.id])); }
      if (page.explanations && page.explanations[p.type]) { lines.push('<span class="gc-explain">' + esc(page.explanations[p.type]) + "</span>"); }
      if (address(p)) { lines.push(nameHtml(address(p))); }  // a French address, isolated
      if (p.position_precision === "commune") { lines.push('<em class="gc-approx-text">' + esc(t("position approximative (commune)")) + "</em>"); }
      if (p.phone) { lines.push(esc(t("Tél.")) + ' <a href="tel:' + esc(p.phone.replace(/\s/g, "")) + '">' + phoneHtml(p.phone) + "</a>"); }
      if (hoursText(p)) { lines.push(esc(t("Horaires :")) + " " + esc(hoursText(p))); }
      if (p.open_now === true) { lines.push('<strong class="gc-open">' + esc(t("Ouvert maintenant")) + "</strong>"); }
      if (p.open_now === false) { lines.push('<span class="gc-closed">' + esc(t("Fermé maintenant")) + "</span>"); }
      var a = p.audience || {};
      if (groups(a).length) { lines.push(esc(t("Public :")) + " " + esc(groups(a).join(", "))); }
      else if (a.age_min !== null || a.age_max !== null) {
        lines.push(a.age_max === null ? t("Âges : {min} ans et plus", { min: a.age_min === null ? 0 : a.age_min })
          : t("Âges : {min}–{max} ans", { min: a.age_min === null ? 0 : a.age_min, max: a.age_max }));
      }
      lines.push.apply(lines, dated);
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
      address: address, telLink: telLink, phoneHtml: phoneHtml, hoursText: hoursText, popupHtml: popupHtml,
      datedLines: datedLines, sectorMarkHtml: sectorMarkHtml, sectorsHtml: sectorsHtml, nameHtml: nameHtml, rememberRoles: rememberRoles,
      showSectors: showSectors
    };
  };
})();
