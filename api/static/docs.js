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
    // no deep links: a link inside each operation's toggle button is a control nested in a
    // control, which keyboard and screen-reader users cannot reach as such (WCAG 4.1.2)
    deepLinking: false,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
  // a scrolling example can be scrolled from the keyboard (WCAG 2.1.1): each one, as
  // Swagger UI draws it, takes the focus
  new MutationObserver(function () {
    root.querySelectorAll(".highlight-code .microlight:not([tabindex])").forEach(
      function (block) { block.setAttribute("tabindex", "0"); });
  }).observe(root, { childList: true, subtree: true });
});
