// Behaviour every page's forms share, from a static file (the CSP forbids inline scripts).
// - A second click on a submit button while the page is sending does nothing: the server
//   treats a double submission as one, but the visitor should see one answer, not two.
// - <select data-autosubmit> sends its form when it changes (the form keeps a visible button
//   for keyboards and for browsers without scripts).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-sending") === "1") {
      event.preventDefault();
      return;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
      form.setAttribute("data-sending", "1");
      form.setAttribute("aria-busy", "true");
    }
  });

  // Back to a page kept by the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      form.removeAttribute("data-sending");
      form.removeAttribute("aria-busy");
    });
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.requestSubmit();
    }
  });
})();
