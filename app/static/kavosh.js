// Kavosh: small enhancements over a page that works without JavaScript.
// 1. As-you-type completions from /api/suggest, into the search box's <datalist>.
// 2. On the source viewer, highlight a range given as #L24-L27, and bring the
//    cited lines (that range, or the server's ?passage= range) into view.
(function () {
  "use strict";

  function suggestions() {
    var input = document.getElementById("q");
    var list = document.getElementById("suggestions");
    if (!input || !list || !window.fetch) return;
    var timer = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value;
        if (value.trim().length < 2 || value === last) return;
        last = value;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(value))
          .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.suggestions.forEach(function (text) {
              var option = document.createElement("option");
              option.value = text;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 120);
    });
  }

  // Lines the address names (#L24 or #L24-L27), marked by this script; the
  // server marks a ?passage= range itself.
  var marked = [];

  function citedRange() {
    marked.forEach(function (line) { line.classList.remove("cited"); });
    marked = [];
    var match = /^#L(\d+)(?:-L?(\d+))?$/.exec(window.location.hash);
    var source = document.querySelector("ol.source");
    if (!match || !source) return;
    var first = parseInt(match[1], 10), last = parseInt(match[2] || match[1], 10);
    if (source.dataset.lines) {
      // A window of a longer file: lines outside it are asked of the server.
      var shown = source.dataset.lines.split("-").map(Number);
      if ((first < shown[0] || first > shown[1]) && first <= Number(source.dataset.total)) {
        var params = new URLSearchParams(window.location.search);
        params.delete("at");
        params.set("lines", first + "-" + last);
        window.location.replace("?" + params.toString() + window.location.hash);
        return;
      }
    }
    source.querySelectorAll("li[data-lines], li[id^=L]").forEach(function (line) {
      var span = (line.dataset.lines || line.id.slice(1)).split("-").map(Number);
      var end = span.length > 1 ? span[1] : span[0];
      if (span[0] <= last && end >= first && !line.classList.contains("heading")) {
        if (!line.classList.contains("cited")) marked.push(line);
        line.classList.add("cited");
      }
    });
  }

  // Bring a range of lines into view: centred when it fits the window, else
  // its first line near the top. The address's range wins over the server's.
  function showCited() {
    var lines = marked.length ? marked : document.querySelectorAll("ol.source li.cited");
    if (!lines.length) return;
    var top = lines[0].getBoundingClientRect().top + window.scrollY;
    var bottom = lines[lines.length - 1].getBoundingClientRect().bottom + window.scrollY;
    var room = window.innerHeight;
    var y = bottom - top < room * 0.8 ? (top + bottom - room) / 2 : top - 16;
    window.scrollTo(0, Math.max(0, y));
  }

  document.addEventListener("DOMContentLoaded", function () {
    suggestions();
    citedRange();
    showCited();
    window.addEventListener("hashchange", function () { citedRange(); showCited(); });
  });
  // The browser's own jump to #L24 may come after DOMContentLoaded, and
  // layout may still settle at load: show the lines again then, and once
  // more on the next frame.
  window.addEventListener("load", function () {
    showCited();
    window.requestAnimationFrame(showCited);
  });
})();
