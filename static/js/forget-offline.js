// On any page a visitor sees logged out (the log-in page, where a log-out leads): the admission lists a staff
// member's scanner page kept for check-in without network (personal data: admission-list.js) are deleted, with the
// pages its service worker kept. Scans answered offline and not yet sent stay (they are admissions made, and hold
// no one's name), for the next log-in to send. A paired phone's own lists («device|…») are its own: not touched.
(async function () {
  "use strict";
  function request(idbRequest) {
    return new Promise((resolve, reject) => {
      idbRequest.onsuccess = () => resolve(idbRequest.result);
      idbRequest.onerror = () => reject(idbRequest.error);
    });
  }
  try {
    if (window.indexedDB && indexedDB.databases) {
      for (const database of await indexedDB.databases()) {
        if (!database.name || !database.name.startsWith("checkin|")) continue;
        const db = await request(indexedDB.open(database.name));
        const waiting = db.objectStoreNames.contains("queue") ?
          await request(db.transaction("queue").objectStore("queue").count()) : 0;
        if (waiting) {
          const transaction = db.transaction(["meta", "people", "badges", "checkins"], "readwrite");
          for (const name of ["meta", "people", "badges", "checkins"]) transaction.objectStore(name).clear();
          db.close();
        } else {
          db.close();
          indexedDB.deleteDatabase(database.name);
        }
      }
    }
    if (window.caches) {
      for (const name of await caches.keys()) {
        if (name.startsWith("checkin|") && !name.includes("/checkin/device/")) await caches.delete(name);
      }
    }
    if (navigator.serviceWorker) {
      for (const registration of await navigator.serviceWorker.getRegistrations()) {
        if (registration.scope.includes("/manage/")) await registration.unregister();
      }
    }
  } catch (error) { /* a browser without these kept nothing */ }
})();
