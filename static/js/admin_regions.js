// An admin table wider than a phone scrolls inside its box (static/css/admin.css); a keyboard
// user must be able to reach that box to scroll it, so it becomes a named, focusable region.
(function () {
  "use strict";
  document.querySelectorAll(".inline-group, #changelist .results").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
      var heading = box.querySelector("h2, caption");
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", heading ? heading.textContent.trim() : "Tableau");
    }
  });
})();
