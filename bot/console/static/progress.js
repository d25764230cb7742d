// A broadcast's live progress: every 2 s while the tab is visible, the figures the server
// formatted (Babel) replace the page's; when the state changes the page reloads for its buttons.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress]");
  if (!box) return;
  var url = box.getAttribute("data-progress");
  var state = box.getAttribute("data-state");
  var busy = false;

  function show(figures) {
    if (figures.state !== state) { window.location.reload(); return; }
    box.querySelectorAll("[data-field]").forEach(function (node) {
      var value = figures[node.getAttribute("data-field")];
      if (value !== undefined && node.textContent !== value) node.textContent = value;
    });
    box.querySelectorAll("[data-field-value]").forEach(function (node) {
      node.value = Number(figures[node.getAttribute("data-field-value")]) || 0;
    });
  }

  function poll() {
    if (busy || document.visibilityState !== "visible") return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (figures) { if (figures) show(figures); })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { busy = false; });
  }

  setInterval(poll, 2000);
  document.addEventListener("visibilitychange", poll);
})();
