// Adds an invoice line without a round trip: copies the formset's empty form and tells Django's
// management form that there is one more. Without JavaScript the blank extra rows do the job.
(function () {
  "use strict";

  var button = document.getElementById("add-invoice-line");
  var template = document.getElementById("invoice-line-template");
  var body = document.getElementById("invoice-lines-body");
  var total = document.getElementById("id_lines-TOTAL_FORMS");
  var max = document.getElementById("id_lines-MAX_NUM_FORMS");
  if (!button || !template || !body || !total) {
    return;
  }

  function full() {
    return max !== null && Number(total.value) >= Number(max.value);
  }

  button.hidden = false;
  button.disabled = full();
  button.addEventListener("click", function () {
    if (full()) {
      return;
    }
    var index = Number(total.value);
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    button.disabled = full();
    var first = body.lastElementChild.querySelector("select, input");
    if (first) {
      first.focus();
    }
  });
})();
