/* huifang portal: label every table cell with its column header, so that on a phone a table with
   four or more columns can be read as cards (huifang.css), one card per row, "header: value".
   Without JavaScript the table stays a table that scrolls inside its own box. */
(function () {
  function label(root) {
    root.querySelectorAll(".md-typeset table:not([data-hf-done])").forEach(function (table) {
      table.setAttribute("data-hf-done", "");
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (heads.length >= 4) table.setAttribute("data-hf-cards", "");
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (td, i) {
          if (heads[i]) td.setAttribute("data-label", heads[i]);
          if (!td.textContent.trim()) td.setAttribute("data-hf-empty", "");
        });
      });
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { label(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { label(document); });
  }
})();
