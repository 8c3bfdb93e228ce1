// Starts Swagger UI on the docs page (sitedir/templates/swagger_ui.html), from a file so the
// page needs no inline script: the spec's URL and any OPENAPI_SWAGGER_UI_CONFIG come from
// the container's data attributes.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.getAttribute("data-config") || "{}");
  config.url = container.getAttribute("data-spec-url");
  config.dom_id = "#swagger-ui-container";
  window.ui = window.SwaggerUIBundle(config);
})();
