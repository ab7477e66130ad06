// A <select data-autosubmit> sends its form as soon as it changes (the year of a list): the CSP
// forbids inline handlers, so the behaviour lives here. Without JavaScript, the form's own
// button (in <noscript>) does the same.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
