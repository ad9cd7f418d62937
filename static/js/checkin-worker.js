// The scanner page's service worker (served under the page's own address, so that its scope is the event's
// check-in pages): it keeps the page, its scripts and styles and the camera's decoder, so that the page opens with
// no network once it has been opened on the device. The page asks it to keep what it needs (a message «keep»).
// Pages come from the network when it answers within two seconds (a fresh page, a fresh CSRF token), else from
// what was kept; scripts, styles and the decoder from what was kept, refreshed in the background. The API's calls
// (the scans, the admission list) are never kept here: the page answers those itself (admission-list.js).
"use strict";

const CACHE = "checkin|" + self.registration.scope;
const PAGE_WAIT = 2000;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  if (event.data && Array.isArray(event.data.keep)) {
    // Kept, the page is told: from then on it opens without network.
    event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(event.data.keep.map(
      (url) => cache.add(new Request(url, {credentials: "same-origin"})).catch(() => undefined))))
      .then(() => event.source && event.source.postMessage({kept: event.data.keep.length})));
  }
});

function isKept(url) {
  return url.origin === self.location.origin && !url.pathname.startsWith("/api/");
}

async function page(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    if (response.ok && !response.redirected) cache.put(request, response.clone());
    return response;
  });
  const late = new Promise((resolve) => setTimeout(resolve, PAGE_WAIT));
  try {
    const first = await Promise.race([network, late]);
    if (first) return first;
  } catch (error) { /* no network: what was kept */ }
  // The page as it was kept (the same checkpoint), or the scope's page of another checkpoint.
  // (Vary: Cookie is ignored: the cache is this browser's own, emptied at log-out by forget-offline.js.)
  const kept = await cache.match(request, {ignoreVary: true}) ||
    await cache.match(request, {ignoreVary: true, ignoreSearch: true});
  return kept || network;
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, {ignoreVary: true});
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (kept) {
    fresh.catch(() => undefined);
    return kept;
  }
  return fresh;
}

// The scanner page alone (whatever its checkpoint), its manifest and the static files: the organizers' pages in the
// same folder (devices, arrivals) are never kept.
const SCANNER = new URL(self.registration.scope).pathname;

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isKept(url)) return;
  if (event.request.mode === "navigate") {
    if (url.pathname === SCANNER) event.respondWith(page(event.request));
    return;
  }
  if (url.pathname.startsWith("/static/") || url.pathname === SCANNER + "manifest.webmanifest") {
    event.respondWith(asset(event.request));
  }
});
