// Sectors list (/admin/sectors), for admins: each territory's check map, drawn from its data-checks
// (GeoJSON): the sectors' extents in blue, overlaps in red, communes left out of every sector in
// orange. The lists beside it say the same in words.
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  var styles = {
    sector: { color: "#0b4f9c", weight: 1, fillOpacity: 0.08 },
    overlap: { color: "#b00020", weight: 2, fillColor: "#b00020", fillOpacity: 0.5 },
    hole: { color: "#b35c00", weight: 2, dashArray: "5 3", fillColor: "#f5a100", fillOpacity: 0.45 }
  };
  Array.prototype.forEach.call(document.querySelectorAll("[data-checks]"), function (el) {
    var data;
    try { data = JSON.parse(el.getAttribute("data-checks")); } catch (e) { return; }
    var map = L.map(el, { keyboard: false, zoomSnap: 0.25 });
    var tiles = document.body.getAttribute("data-tiles");
    if (tiles && tiles !== "none") { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    var layer = L.geoJSON(data, {
      interactive: false,
      style: function (f) { return styles[f.properties.kind] || styles.sector; }
    }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [4, 4] }); }
  });
})();
