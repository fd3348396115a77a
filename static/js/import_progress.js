// The import page's progress bar: polls the batch's progress while it is checking or importing, and
// reloads the page once it is done (so the result and the report show). Without JavaScript the page
// says to reload.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var label = document.getElementById("status-label");
  var url = box.getAttribute("data-url");
  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + "%";
    if (label) { label.textContent = p.status_label; }
    if (p.status === "checking") {
      text.textContent = p.rows_checked + " / " + p.rows_total + " rows checked";
    } else if (p.status === "importing") {
      text.textContent = p.rows_checked + " / " + p.rows_total + " rows checked, " + p.rows_imported + " imported";
    }
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        show(p);
        if (p.running) { window.setTimeout(poll, 700); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 400);
})();
