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
  // The sentences come translated from the page (data-checking, data-importing).
  function say(template, p) {
    return template.replace("%(checked)s", p.rows_checked).replace("%(total)s", p.rows_total)
      .replace("%(imported)s", p.rows_imported);
  }
  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + "%";
    if (label) { label.textContent = p.status_label; }
    if (p.status === "checking") {
      text.textContent = say(box.getAttribute("data-checking"), p);
    } else if (p.status === "importing") {
      text.textContent = say(box.getAttribute("data-importing"), p);
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
