// Small behaviours that templates ask for with data- attributes, instead of inline handlers that the
// Content-Security-Policy forbids (docs/security.md):
//   data-select-on-click   selects an input's whole value when clicked (e.g. a new API token)
//   data-autosubmit        submits the element's form when its value changes (e.g. a filter)
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-select-on-click]");
    if (el && typeof el.select === "function") { el.select(); }
  });
  document.addEventListener("change", function (event) {
    var el = event.target.closest && event.target.closest("[data-autosubmit]");
    if (el && el.form) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); }
  });
})();
