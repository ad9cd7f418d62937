// The dashboard's figures, fetched again every half minute while the page is in view, and replaced in place.
// A failed fetch leaves the figures as they were (their time says how old they are).
(function () {
  "use strict";
  var section = document.getElementById("dashboard-figures");
  if (!section || !window.fetch) { return; }
  var EVERY = 30000;

  function refresh() {
    if (document.visibilityState === "hidden") { return; }
    fetch(section.dataset.source, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { section.innerHTML = html; } })
      .catch(function () {});
  }
  setInterval(refresh, EVERY);
  document.addEventListener("visibilitychange", refresh);
}());
