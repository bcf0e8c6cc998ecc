/* geo_clsm planner: sort the QPV table with the buttons of its column headers (keyboard:
   Tab to a header button, Enter or Space). aria-sort says the order; a status line announces it. */
(function () {
  "use strict";
  var table = document.getElementById("gc-qpv-table");
  if (!table) { return; }
  var status = document.getElementById("gc-sort-status");
  var tbody = table.tBodies[0];

  function key(cell) { return cell ? cell.getAttribute("data-value") : ""; }

  function compare(a, b) {
    if (a === "" && b === "") { return 0; }
    if (a === "") { return 1; }   /* missing values last, whatever the order */
    if (b === "") { return -1; }
    var na = Number(a), nb = Number(b);
    if (!isNaN(na) && !isNaN(nb)) { return na - nb; }
    return a.localeCompare(b, "fr", { sensitivity: "base" });
  }

  function sortBy(th) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    table.querySelectorAll("thead th[aria-sort]").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir);
    var col = th.cellIndex;
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (r1, r2) {
      var a = key(r1.cells[col]), b = key(r2.cells[col]);
      if (a === "" || b === "") { return compare(a, b); }
      var c = compare(a, b);
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    if (status) {
      status.textContent = "Tableau trié par « " + th.textContent.trim() + " », ordre " +
        (dir === "ascending" ? "croissant" : "décroissant") + ".";
    }
  }

  table.querySelectorAll("thead th[aria-sort] button").forEach(function (btn) {
    btn.addEventListener("click", function () { sortBy(btn.parentElement); });
  });
})();
