/* geo_clsm map script, popup part (loaded before map.js): a place's popup.
 * window.GEO_CLSM_POPUP(map, fmt) returns {open(marker, id)}: the popup of place `id` on `marker`. */
(function () {
  "use strict";
  window.GEO_CLSM_POPUP = function (map, fmt) {
    var t = fmt.t, esc = fmt.esc;
    // A popup opens below the zoom control (its title never under it) and fits a phone's map.
    function options() {
      var size = map.getSize();
      return { maxWidth: Math.min(300, size.x - 50), maxHeight: Math.max(120, size.y - 110),
        autoPanPaddingTopLeft: L.point(10, 90), autoPanPaddingBottomRight: L.point(10, 30) };
    }
    function open(marker, id) {
      marker.unbindPopup();
      marker.bindPopup(esc(t("Chargement…")), options()).openPopup();
      fetch("/api/resources/" + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (f) {
        marker.setPopupContent(fmt.popupHtml(f));
      }).catch(function () { marker.setPopupContent(esc(t("Détails indisponibles."))); });
    }
    return { open: open };
  };
})();
