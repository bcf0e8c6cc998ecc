// Editor form: set the position by a click on a small Leaflet map, or by the geocoder (/api/geocode).
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  if (!el || typeof L === "undefined") { return; }
  var lonIn = document.getElementById("f-lon");
  var latIn = document.getElementById("f-lat");
  var lon = parseFloat(lonIn.value), lat = parseFloat(latIn.value);
  var has = isFinite(lon) && isFinite(lat);
  var map = L.map(el).setView(has ? [lat, lon] : [46.6, 2.4], has ? 16 : 5);
  var tiles = document.body.getAttribute("data-tiles");
  if (tiles && tiles !== "none") { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  // The pin only shows the position (a click on the map moves it): not a button, no tab stop.
  function pin(ll) { return L.marker(ll, { keyboard: false, alt: "Position de la ressource" }).addTo(map); }
  var marker = has ? pin([lat, lon]) : null;

  function place(la, lo, zoom) {
    latIn.value = la.toFixed(6);
    lonIn.value = lo.toFixed(6);
    if (marker) { marker.setLatLng([la, lo]); } else { marker = pin([la, lo]); }
    if (zoom) { map.setView([la, lo], zoom); }
  }
  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });

  var q = document.getElementById("geo-q"), go = document.getElementById("geo-go"), msg = document.getElementById("geo-msg");
  function search() {
    if (!q.value || q.value.length < 2) { msg.textContent = "Écrire au moins deux caractères."; return; }
    msg.textContent = "Recherche…";
    fetch("/api/geocode?q=" + encodeURIComponent(q.value)).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, body: b }; });
    }).then(function (res) {
      if (!res.ok) { msg.textContent = res.body.detail || "Introuvable."; return; }
      place(res.body.lat, res.body.lon, 16);
      msg.textContent = "Position placée : vérifier sur la carte puis enregistrer.";
    }).catch(function () { msg.textContent = "Recherche indisponible."; });
  }
  go.addEventListener("click", search);
  q.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
})();
