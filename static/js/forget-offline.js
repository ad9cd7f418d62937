// On the log-in page, whoever used this browser before is logged out: the admission lists a scanner page kept for
// check-in without network (personal data: admission-list.js) are deleted, with the pages its service worker kept.
(async function () {
  "use strict";
  try {
    if (window.indexedDB && indexedDB.databases) {
      for (const database of await indexedDB.databases()) {
        if (database.name && database.name.startsWith("checkin|")) indexedDB.deleteDatabase(database.name);
      }
    }
    if (window.caches) {
      for (const name of await caches.keys()) {
        if (name.startsWith("checkin|")) await caches.delete(name);
      }
    }
    if (navigator.serviceWorker) {
      for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
    }
  } catch (error) { /* a browser without these kept nothing */ }
})();
