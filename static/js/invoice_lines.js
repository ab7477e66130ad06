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

// A client whose avance immédiate began this month: the period starts that day, not on the
// 1st (URSSAF refuses services dated before the activation). Only while the start is still
// the page's default: a date the provider typed is theirs.
(function () {
  "use strict";

  var client = document.getElementById("id_client");
  var start = document.getElementById("id_period_start");
  var end = document.getElementById("id_period_end");
  if (!client || !start || !end || !end.defaultValue) {
    return;
  }
  var today = end.defaultValue; // the page's default period ends today
  var monthStart = today.slice(0, 8) + "01";
  var proposed = start.defaultValue;

  client.addEventListener("change", function () {
    if (start.value !== proposed) {
      return;
    }
    var option = client.options[client.selectedIndex];
    var since = option ? option.getAttribute("data-ai-since") : null;
    var value = monthStart;
    if (since && since > monthStart) {
      value = since < today ? since : today;
    }
    start.value = value;
    proposed = value;
  });
})();
