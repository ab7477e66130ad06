// Live countdown to the 48 h deadline of a payment request. The page already says "jusqu'au
// 19 mars 2026 à 10:00"; this fills in "il reste 23 h 12 min" and keeps it current. The
// server's clock is the reference (data-countdown-now), so a wrong PC clock does not matter.
(function () {
  "use strict";

  var boxes = document.querySelectorAll("[data-countdown-deadline]");
  if (!boxes.length) {
    return;
  }

  function remaining(ms) {
    if (ms <= 0) {
      return "(délai écoulé : validation automatique en cours)";
    }
    var minutes = Math.floor(ms / 60000);
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    if (hours > 0) {
      return "(il reste " + hours + " h " + (rest < 10 ? "0" : "") + rest + " min)";
    }
    return "(il reste " + Math.max(rest, 1) + " min)";
  }

  function tick() {
    boxes.forEach(function (box) {
      var deadline = Date.parse(box.getAttribute("data-countdown-deadline"));
      var serverNow = Date.parse(box.getAttribute("data-countdown-now"));
      var target = box.querySelector("[data-countdown-remaining]");
      if (isNaN(deadline) || !target) {
        return;
      }
      var skew = isNaN(serverNow) ? 0 : serverNow - box.loadedAt;
      target.textContent = remaining(deadline - (Date.now() + skew));
      target.hidden = false;
    });
  }

  var loadedAt = Date.now();
  boxes.forEach(function (box) {
    box.loadedAt = loadedAt;
  });
  tick();
  window.setInterval(tick, 30000);
})();
