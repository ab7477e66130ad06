// Lets wide tables become stacked cards on phones (static/css/portal.css, "Stacked tables"):
// each body cell gets its column's heading as data-label, shown before the value. A table of
// more than three columns is stacked; the line editor only gets its labels (it has its own
// layout). Rows added later by invoice_lines.js are labelled when they appear.
(function () {
  "use strict";

  function headings(table) {
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) {
      return null;
    }
    var labels = [];
    Array.prototype.forEach.call(row.cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i += 1) {
        labels.push(cell.textContent.replace(/\s+/g, " ").replace(/\*$/, "").trim());
      }
    });
    return labels;
  }

  function label(table, labels) {
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", labels[column] || "");
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    var labels = headings(table);
    if (!labels) {
      return;
    }
    label(table, labels);
    if (table.id === "invoice-lines") {
      new MutationObserver(function () { label(table, labels); })
        .observe(table, { childList: true, subtree: true });
    } else if (labels.length > 3) {
      table.classList.add("table-stacked");
    }
  });
})();
