// Editor form, opening hours: the weekly grid writes the OSM text, and the preview in words follows
// both, as the server computes them (GET /admin/hours/preview: one evaluation of hours, in Python).
(function () {
  "use strict";
  var box = document.getElementById("hours-editor");
  if (!box) { return; }
  var raw = document.getElementById("f-opening_hours");
  var words = document.getElementById("hours-words");
  var url = box.getAttribute("data-preview");
  var timer = null;

  function gridParams() {
    var p = new URLSearchParams();
    box.querySelectorAll("input[name^='hours-'], select[name^='hours-']").forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) { p.append(el.name, el.value); } }
      else if (el.type !== "hidden") { p.append(el.name, el.value); }
    });
    return p;
  }
  function setGrid(grid) {
    if (!grid) { return; }
    Object.keys(grid).forEach(function (name) {
      var el = box.querySelector("[name='" + name + "']");
      if (!el) { return; }
      if (el.type === "checkbox") { el.checked = !!grid[name]; } else { el.value = grid[name]; }
    });
  }
  function ask(params, fromGrid) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(url + "&" + params.toString(), { credentials: "same-origin" }).then(function (r) {
        return r.json();
      }).then(function (b) {
        if (fromGrid && !b.error) { raw.value = b.text; }
        if (!fromGrid) { setGrid(b.grid); }
        words.textContent = b.error || b.words;
        raw.setAttribute("aria-invalid", b.error ? "true" : "false");
      }).catch(function () {});
    }, 250);
  }
  box.addEventListener("input", function (e) {
    if (e.target === raw) { ask(new URLSearchParams({ text: raw.value }), false); }
    else { ask(gridParams(), true); }
  });
  box.addEventListener("change", function (e) {
    if (e.target.tagName === "SELECT" || e.target.type === "checkbox") { ask(gridParams(), true); }
  });
})();
