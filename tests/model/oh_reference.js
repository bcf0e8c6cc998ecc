// Evaluate OSM opening hours with opening_hours.js (the reference implementation), for
// tests/model/test_hours_reference.py. Reads JSON on stdin: [{"rule": "...", "at": ["2026-12-25T10:00", ...]}],
// writes the states ("open" / "closed") as JSON. Times are wall-clock times in Paris (TZ=Europe/Paris),
// public holidays those of metropolitan France (Paris, Île-de-France).
"use strict";
const path = require("path");
const OpeningHours = require(path.resolve(__dirname, "../../.cache/ohjs/node_modules/opening_hours"));
const nominatim = { lat: 48.8566, lon: 2.3522, address: { country_code: "fr", state: "Île-de-France" } };
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(({ rule, at }) => {
    const oh = new OpeningHours(rule, nominatim);
    return at.map((iso) => {
      const [d, t] = iso.split("T");
      const [y, mo, da] = d.split("-").map(Number);
      const [h, mi] = t.split(":").map(Number);
      return oh.getState(new Date(y, mo - 1, da, h, mi)) ? "open" : "closed";
    });
  });
  process.stdout.write(JSON.stringify(out));
});
