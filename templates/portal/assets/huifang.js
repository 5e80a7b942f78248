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

/* Search: a record ID such as TS-20261102-001 is split by the search engine at each "-" into words
   that would each match on their own ("001" is in hundreds of IDs). Before the query reaches
   Material's search worker, every hyphenated word becomes a set of required words (+TS +20261102
   +001), so an ID finds the pages that name that record, the record itself first (its title).
   Material posts {type: 2, data: query} to its worker; nothing else is changed. */
(function () {
  if (typeof Worker === "undefined") return;
  var post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message) {
    if (message && message.type === 2 && typeof message.data === "string") {
      message = {type: 2, data: message.data.replace(/[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+/g, function (word) {
        return word.split("-").map(function (part) { return "+" + part; }).join(" ");
      })};
    }
    return post.apply(this, [message].concat(Array.prototype.slice.call(arguments, 1)));
  };
})();
