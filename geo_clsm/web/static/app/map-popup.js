/* geo_clsm map script, popup part (loaded before map.js): a place's popup, fitted to the map between
 * its controls on any screen: below the zoom control (its title never under it), above the scale bar
 * and the attribution (its last line never under them), and never taller than the room left between
 * them (a longer popup scrolls inside itself; the map pans to show it whole). The room is measured on
 * the controls as they are drawn (their size changes with the screen and the language).
 * window.GEO_CLSM_POPUP(map, fmt) returns {open(marker, id)}: the popup of place `id` on `marker`. */
(function () {
  "use strict";
  window.GEO_CLSM_POPUP = function (map, fmt) {
    var t = fmt.t, esc = fmt.esc;
    var FRAME = 56;   // px of a popup beyond its content: the tip (20), the frame's margins and border
    var GAP = 8;      // px between a popup and a control

    // How far the map's controls reach from its top edge and from its bottom edge (px).
    function reach() {
      var box = map.getContainer().getBoundingClientRect(), top = 0, bottom = 0;
      Array.prototype.forEach.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) {
        var r = c.getBoundingClientRect();
        if (!r.height) { return; }
        if (c.closest(".leaflet-top")) { top = Math.max(top, r.bottom - box.top); }
        else { bottom = Math.max(bottom, box.bottom - r.top); }
      });
      return { top: top + GAP, bottom: bottom + GAP };
    }
    function options() {
      var size = map.getSize(), room = reach();
      return {
        maxWidth: Math.min(300, size.x - 50),
        maxHeight: Math.max(60, size.y - room.top - room.bottom - FRAME),
        autoPanPaddingTopLeft: L.point(10, room.top), autoPanPaddingBottomRight: L.point(10, room.bottom)
      };
    }
    function open(marker, id) {
      marker.unbindPopup();
      marker.bindPopup(esc(t("Chargement…")), options()).openPopup();
      fetch("/api/resources/" + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (f) {
        marker.setPopupContent(fmt.popupHtml(f));  // laid out again and panned into the room (Leaflet's update)
      }).catch(function () { marker.setPopupContent(esc(t("Détails indisponibles."))); });
    }
    return { open: open };
  };
})();
