// Starts Swagger UI on /api/docs/ from data attributes (templates/drf_spectacular/swagger_ui.html),
// instead of drf-spectacular's inline script, which the Content-Security-Policy forbids. Requests
// made from the page carry the CSRF token (session) or the bearer token typed into "Authorize".
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui");
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent || "{}");
  var authNames = JSON.parse(document.getElementById("swagger-auth-names").textContent || "[]");
  var ui;
  function bearerFromState(request) {
    if (!ui) { return; }
    var authorized = ui.getState().get("auth").get("authorized");
    if (!authorized) { return; }
    authorized = authorized.toJS();
    authNames.forEach(function (name) {
      var def = authorized[name];
      if (def && def.schema && def.schema.type === "http" && def.schema.scheme === "bearer") {
        request.headers.Authorization = "Bearer " + def.value;
      }
    });
  }
  function requestInterceptor(request) {
    if (request.loadSpec) { bearerFromState(request); }
    if (["GET", undefined].indexOf(request.method) === -1 && request.credentials === "same-origin") {
      request.headers[holder.dataset.csrfHeader] = holder.dataset.csrfToken;
    }
    return request;
  }
  ui = window.SwaggerUIBundle(Object.assign({
    url: holder.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: requestInterceptor
  }, settings));
})();
