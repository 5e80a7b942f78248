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

/* Search: Material's search box, answered by Pagefind (site/pagefind/, built by `huifang build`).
   Material talks to a search worker: {type: 0} sets it up with its index, {type: 2, data: query} asks,
   the worker answers {type: 1} (ready) and {type: 3, data: {items}} (results). The setup message is
   kept from that worker (its index is empty anyway); Pagefind loads instead (a small entry file, its
   WebAssembly and page list; per query only the index chunks and page fragments it needs), and its
   results are handed back to Material as if the worker had sent them.
   A result is a page, or a section of a page when the best match is under one of its headings (a visit
   on a customer's archive lands on #hf-…). A query that is a record ID puts the record's own page or
   section first. Snippets are one sentence, built from text nodes only: record text stays text. */
(function () {
  if (typeof Worker === "undefined" || typeof MessageEvent === "undefined") return;
  var LIMIT = 20;            // results shown (each one fetches a small fragment)
  var ID = /^[A-Za-z]{1,8}-\d{4,8}(?:-\d{1,4})?$/;
  var post = Worker.prototype.postMessage;
  var engine = null;
  var asked = 0;

  function siteRoot() {
    var el = document.getElementById("__config"), base = ".";
    try { base = JSON.parse(el.textContent).base || "."; } catch (e) { /* default: this folder */ }
    return new URL(base.replace(/\/?$/, "/"), location.href);
  }

  /* Pagefind segments Chinese with jieba when it indexes, but a query with the browser's own word
     segmenter, which sometimes cuts a name or a word differently (陈国强 → 陈|国|强, 燃气表 → 燃|气|表:
     none of them a word of the index). A query is first asked as Pagefind asks it; when none of the
     pages found holds the words as written, it is asked again by a second instance with no language
     of its own, which splits
     a query at spaces only, each part matching the start of an indexed word, in a few spellings (see
     spellings()): the pieces of the run as a phrase, then the whole run, then the browser's pieces
     anywhere. (Only as a fallback: a short common prefix matches nearly every page, and on 100,000
     pages Pagefind takes minutes to rank that.) Pagefind reads its language from the html lang
     attribute: it is "und" only while the second instance is created. */
  /* The customers' archives are a Pagefind bundle of their own (pagefind/customers/, indexed apart so
     that indexing a large portal needs half the memory): merged into every instance. A portal without
     it (no customers) searches the main bundle alone. */
  var PARTS = ["customers"];
  function merged(instance) {
    return Promise.all(PARTS.map(function (part) {
      return Promise.resolve()
        .then(function () { return instance.mergeIndex(new URL("pagefind/" + part + "/", siteRoot()).href, {baseUrl: "/"}); })
        .catch(function () { return null; });
    })).then(function () { return instance; });
  }

  function load() {
    if (!engine) {
      engine = import(new URL("pagefind/pagefind.js", siteRoot()).href).then(function (pf) {
        return Promise.resolve(pf.options({baseUrl: "/"})).then(function () { return pf.init(); })
          .then(function () { return merged(pf); });
      });
    }
    return engine;
  }

  var loose = null;
  function loadLoose(pf) {
    if (!loose) {
      var html = document.documentElement, lang = html.getAttribute("lang"), instance;
      html.setAttribute("lang", "und");
      try {
        instance = pf.createInstance({baseUrl: "/"});
      } finally {
        if (lang === null) html.removeAttribute("lang"); else html.setAttribute("lang", lang);
      }
      loose = Promise.resolve(instance.init()).then(function () { return merged(instance); });
    }
    return loose;
  }

  var CJK = /[\u3400-\u9fff\uf900-\ufaff]+/g, HAS_CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

  function splits(run) {  // every way to cut a short run into pieces, fewest pieces first
    var out = [[run]];
    if (run.length < 2 || run.length > 4) return out;
    for (var mask = 1; mask < (1 << (run.length - 1)); mask++) {
      var parts = [], cur = run.charAt(0);
      for (var i = 1; i < run.length; i++) {
        if (mask & (1 << (i - 1))) { parts.push(cur); cur = ""; }
        cur += run.charAt(i);
      }
      parts.push(cur);
      out.push(parts);
    }
    return out.sort(function (a, b) { return a.length - b.length; });
  }

  function spellings(query) {
    var words = [], runs = [];
    query.replace(CJK, function (run) { runs.push(run); return " "; })
      .split(/[^\p{L}\p{N}]+/u).forEach(function (w) { if (w) words.push(w); });
    var seg = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter("zh", {granularity: "word"}) : null;
    var options = runs.map(function (run) {
      var o = splits(run);
      if (seg) o.push(Array.from(seg.segment(run), function (x) { return x.segment; }));
      if (run.length > 4) o.push(run.match(/.{1,2}/g));
      return o;
    });
    var out = [words.slice()];
    options.forEach(function (alts) {
      var next = [];
      out.forEach(function (base) { alts.forEach(function (alt) { next.push(base.concat(alt)); }); });
      out = next.slice(0, 16);
    });
    var seen = {}, phrase = runs.length === 1 && !words.length;
    var spelled = out.map(function (ws) { return ws.length > 1 && phrase ? '"' + ws.join(" ") + '"' : ws.join(" "); });
    if (phrase) {
      // pieces next to each other first; then the whole run (Pagefind widens a word it does not hold,
      // so that one is looser); last the browser's pieces anywhere on the page
      spelled = spelled.slice(1).concat(spelled.slice(0, 1));
      if (seg) spelled.push(Array.from(seg.segment(runs[0]), function (x) { return x.segment; }).join(" "));
    }
    return spelled.filter(function (q) { if (!q || seen[q]) return false; seen[q] = true; return true; });
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  /* Pagefind URLs start at the site root ("/customers/CUST-0001.html#hf-…"); Material resolves a
     result's location against the site root, so the leading slash goes ("./" keeps it a path). */
  function local(url) { return "./" + String(url || "").replace(/^\/+/, ""); }

  /* One sentence around the first match, as HTML with <mark>. Pagefind's excerpt is a window of a
     few dozen words; it is parsed in an inert document, only its text (and which parts were marked)
     is kept, and it is widened to the whole sentence from the page's text. A sentence that starts
     with the page's or section's title goes on after it (a match in the title shows the lead). */
  var STOP = /[。！？；!?]|\.\s/g;
  function sentence(excerpt, drop, content) {
    var doc = new DOMParser().parseFromString("<body>" + (excerpt || ""), "text/html");
    var parts = [];
    doc.body.childNodes.forEach(function (n) {
      var t = (n.textContent || "").replace(/\u200b/g, "");
      if (t) parts.push([t, n.nodeName === "MARK"]);
    });
    var plain = parts.map(function (p) { return p[0]; }).join("");
    var full = String(content || "").replace(/\u200b/g, "");
    var pos = plain ? full.indexOf(plain) : -1;
    if (pos >= 0) parts = [[full.slice(0, pos), false]].concat(parts, [[full.slice(pos + plain.length), false]]);
    else if (!plain) parts = [[full, false]];
    plain = parts.map(function (p) { return p[0]; }).join("");
    var at = 0, off = 0;
    for (var i = 0; i < parts.length; i++) {
      if (parts[i][1]) { at = off; break; }
      off += parts[i][0].length;
    }
    function bounds(from) {
      var start = 0, end = plain.length, m;
      STOP.lastIndex = 0;
      while ((m = STOP.exec(plain)) !== null) {
        var after = m.index + m[0].length;
        if (after <= from) start = after;
        else { end = m.index + 1; break; }
      }
      return [start, end];
    }
    var b = bounds(at), start = b[0], end = b[1];
    if (drop && plain.slice(start).indexOf(drop) === 0) {
      start += drop.length;
      while (start < plain.length && /[\s.。:：]/.test(plain.charAt(start))) start++;
      if (start >= end) end = bounds(start)[1];
    }
    if (end - start > 100) { start = Math.max(start, at - 30); end = Math.min(end, start + 100); }
    var html = "";
    off = 0;
    parts.forEach(function (p) {
      var a = Math.max(start, off), z = Math.min(end, off + p[0].length);
      if (a < z) {
        var t = esc(p[0].slice(a - off, z - off));
        html += p[1] ? "<mark>" + t + "</mark>" : t;
      }
      off += p[0].length;
    });
    return html.trim();
  }

  function weight(sub) {
    return (sub.weighted_locations || []).reduce(function (s, w) { return s + (w.balanced_score || 0); }, 0);
  }

  /* The part of a page a result lands on: the section named by the ID asked for, else the section
     with the strongest matches; null when that is the page's own title section (the page itself). */
  function plain(html) { return String(html || "").replace(/<[^>]*>/g, "").replace(/[\u200b\s]/g, ""); }

  function best(data, id, whole) {
    var subs = data.sub_results || [];
    var pick = null;
    if (id) pick = subs.filter(function (s) { return /#/.test(s.url) && s.url.split("#")[1] === id; })[0] || null;
    if (!pick && whole) pick = subs.filter(function (s) { return plain(s.excerpt).indexOf(whole) >= 0; })[0] || null;
    if (!pick) subs.forEach(function (s) { if (!pick || weight(s) > weight(pick)) pick = s; });
    if (pick && (subs.indexOf(pick) === 0 && pick.title === (data.meta || {}).title)) return null;
    return pick;
  }

  function item(data, score, terms, id, whole) {
    var page = local(data.url.split("#")[0]);
    var title = esc((data.meta && data.meta.title) || page);
    var sub = best(data, id, whole);
    var text = sub ? sentence(sub.excerpt, sub.title, data.content)
      : sentence(data.excerpt, (data.meta && data.meta.title) || "", data.content);
    if (!sub || !/#/.test(sub.url)) return [{location: page, title: title, text: text, score: score, terms: terms}];
    return [{location: page, title: title, text: "", score: score, terms: terms},
            {location: local(sub.url), title: esc(sub.title), text: text, score: score, terms: terms}];
  }

  function owns(data, id) {
    return (data.sub_results || []).some(function (s) { return s.url.split("#")[1] === id; }) ||
      new RegExp("(^|[^A-Za-z0-9-])" + id.replace(/-/g, "\\-") + "($|[^A-Za-z0-9-])", "i").test((data.meta || {}).title || "");
  }

  function answer(pf, query) {
    var q = query.trim();
    var id = ID.test(q) ? q.toLowerCase() : null;
    var terms = {};
    q.split(/\s+/).forEach(function (w) { if (w) terms[w] = true; });
    if (!q) return Promise.resolve([]);
    var whole = HAS_CJK.test(q) ? q.replace(/\s+/g, "") : "";
    function quiet(p) { return Promise.resolve(p).catch(function () { return null; }); }  // one spelling failing is no answer
    function holds(x) { return plain(x.data.content).indexOf(whole) >= 0; }
    function top(results, seen) {
      var hits = [];
      results.forEach(function (r) { if (!seen[r.id]) { seen[r.id] = true; hits.push(r); } });
      return Promise.all(hits.slice(0, LIMIT).map(function (r) {
        return r.data().then(function (d) { return {score: r.score, data: d}; });
      }));
    }
    var seen = {};
    return quiet(pf.search(q)).then(function (found) {
      return top(found && found.results || [], seen);
    }).then(function (list) {
      // Pagefind's own answer holds the words as written: done. Else (a name or word the browser cut
      // differently) the other spellings, whose pages go first
      if (!whole || list.some(holds)) return list;
      return loadLoose(pf).then(function (other) {
        return Promise.all(spellings(q).map(function (x) { return quiet(other.search(x)); }));
      }).then(function (more) {
        var results = [];
        more.forEach(function (f) { results = results.concat(f && f.results || []); });
        return top(results, seen);
      }).then(function (extra) { return extra.concat(list).slice(0, LIMIT); });
    }).then(function (list) {
      function first(test) {
        list = list.filter(test).concat(list.filter(function (x) { return !test(x); }));
      }
      // the pages that hold the words as written before those that hold them apart
      if (whole) first(holds);
      if (id) {
        // an ID asks for the pages that name it: a bundle (pagefind/customers/) that holds no part of
        // it answers with pages that share a piece of it ("001"), which are left out
        var named = list.filter(function (x) {
          return (plain(x.data.content) + " " + plain((x.data.meta || {}).title)).toLowerCase().indexOf(id) >= 0;
        });
        if (named.length) list = named;
        first(function (x) { return owns(x.data, id); });  // the record itself before pages naming it
      }
      return list.map(function (x) { return item(x.data, x.score, terms, id, whole); });
    });
  }

  function reply(worker, data) {
    worker.dispatchEvent(new MessageEvent("message", {data: data}));
  }

  Worker.prototype.postMessage = function (message) {
    var worker = this;
    if (message && message.type === 0 && message.data && Array.isArray(message.data.docs)) {
      load().then(function () { reply(worker, {type: 1}); }, function () { reply(worker, {type: 1}); });
      return undefined;
    }
    // a query: also when the setup message went out before this script ran (the worker, whose index
    // is empty, then said ready itself); Pagefind's own worker messages carry no type
    if (message && message.type === 2 && typeof message.data === "string") {
      var mine = ++asked;
      load().then(function (pf) { return answer(pf, message.data); })
        .catch(function () { return []; })
        .then(function (items) { if (mine === asked) reply(worker, {type: 3, data: {items: items}}); });
      return undefined;
    }
    return post.apply(this, arguments);
  };
})();
