// The API documentation page (/api/v1/docs): Swagger UI over geo_era's OpenAPI schema.
// A file of its own, served by geo_era, so that the page's Content-Security-Policy
// allows scripts from geo_era only and none inline. No online validator: the schema
// is never sent anywhere.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
