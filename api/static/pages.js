// The pages' behaviour: the Scottish Government Design System's components (served by
// geo_era itself), started once the page is parsed. A module script from 'self' runs
// under the pages' Content-Security-Policy without a nonce.
import DS from "/static/api/sgds/design-system.js";

DS.initAll();
// An error summary takes the focus, as the design system's error pattern asks, so that
// keyboard and screen-reader users start from what went wrong.
const summary = document.getElementById("error-summary");
if (summary) {
  summary.setAttribute("tabindex", "-1");
  summary.focus();
}
