// The dashboard's figures, fetched again every half minute while the page is in view, and replaced in place.
// A failed fetch leaves the figures as they were (their time says how old they are); a log-in that has ended (the
// figures' address answers with a redirect to the log-in page) says so above them rather than showing that page.
(function () {
  "use strict";
  var section = document.getElementById("dashboard-figures");
  if (!section || !window.fetch) { return; }
  var EVERY = 30000;

  function loggedOut() {
    if (document.getElementById("figures-logged-out")) { return; }
    var notice = document.createElement("p");
    notice.id = "figures-logged-out";
    notice.className = "flash flash-warning";
    notice.textContent = section.dataset.loggedOut;
    section.parentNode.insertBefore(notice, section);
  }

  function refresh() {
    if (document.visibilityState === "hidden") { return; }
    fetch(section.dataset.source, {credentials: "same-origin", redirect: "manual", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) { loggedOut(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null) { section.innerHTML = html; } })
      .catch(function () {});
  }
  setInterval(refresh, EVERY);
  document.addEventListener("visibilitychange", refresh);
}());
