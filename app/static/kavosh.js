// Kavosh: small enhancements over a page that works without JavaScript.
// 1. As-you-type completions from /api/suggest, into the search box's <datalist>.
// 2. On the source viewer, highlight and scroll to a cited range given as #L24-L27.
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
        fetch("/api/suggest?q=" + encodeURIComponent(value))
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

  function citedRange() {
    var match = /^#L(\d+)(?:-L?(\d+))?$/.exec(window.location.hash);
    if (!match) return;
    var first = parseInt(match[1], 10), last = parseInt(match[2] || match[1], 10);
    var target = null;
    for (var n = first; n <= last && n - first < 5000; n++) {
      var line = document.getElementById("L" + n);
      if (!line) break;
      line.classList.add("cited");
      target = target || line;
    }
    if (target) target.scrollIntoView({ block: "center" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    suggestions();
    citedRange();
    window.addEventListener("hashchange", citedRange);
  });
})();
