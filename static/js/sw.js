// The service worker of the cadre's offline ledger (issue 20, item 2), served at /sw.js so
// that it covers the ledger pages. Pages of the ledger app are fetched from the network when
// there is one and kept; without a network they come from what was kept. The cadre's
// 我的帮扶户 page asks it (message "keep") to keep each of their households' ledger and its
// three everyday forms; anything kept for a household no longer in that list is dropped.
// Kept pages expire after the days the page says (LOCAL_DATA_DAYS) and everything goes at
// logout (message "clear"). Posts are never answered from here: a save without network is
// queued by the page (static/js/outbox.js).
"use strict";

const PAGES = "bangfu-pages";
const STATIC = "bangfu-static";
const STAMP = "/__bangfu_kept_at";

function fragmentKey(request) {
  const url = new URL(request.url);
  url.searchParams.set("_fragment", "1");
  return url.href;
}

function keyOf(request) {
  return request.headers.get("HX-Request") === "true" ? fragmentKey(request) : request.url;
}

function kept(url) {
  const path = new URL(url).pathname;
  return path.startsWith("/ledgers/mine/") || path.startsWith("/ledgers/household/")
    || /^\/ledgers\/visit\/\d+\/edit\/$/.test(path);
}

async function pages() {
  return caches.open(PAGES);
}

async function networkFirst(request) {
  const cache = await pages();
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      await cache.put(keyOf(request), response.clone());
    } else if (response.status === 404 || response.status === 403) {
      await cache.delete(keyOf(request)); // the account lost it
    }
    return response;
  } catch (error) {
    const cached = !(await expired()) && (await cache.match(keyOf(request)));
    if (cached) return cached;
    return new Response(
      "<!DOCTYPE html><meta charset=utf-8><title>离线</title><p>离线：此页没有保存在本机。</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
    );
  }
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(STATIC);
  const cached = await cache.match(request);
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  return cached || fresh;
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== location.origin) return;
  if (new URL(request.url).pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(request));
  } else if (kept(request.url)) {
    event.respondWith(networkFirst(request));
  }
});

// Kept pages older than the days of LOCAL_DATA_DAYS (written beside them) are dropped.
async function expired() {
  const stamp = await (await pages()).match(STAMP);
  if (!stamp) return false;
  const { at, days } = await stamp.json();
  if (Date.now() - at <= days * 86400000) return false;
  await caches.delete(PAGES);
  return true;
}

async function keep({ urls, fragments, days }) {
  await expired();
  const cache = await pages();
  const stamp = await cache.match(STAMP);
  const wanted = new Set([...urls, ...fragments.map((url) => fragmentKey(new Request(url)))]);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path !== "/ledgers/mine/" && path !== STAMP && !wanted.has(request.url)) {
      await cache.delete(request); // a household the cadre no longer has, or its records
    }
  }
  let bytes = 0;
  const fetchOne = async (url, fragment) => {
    const request = new Request(url, fragment ? { headers: { "HX-Request": "true" } } : {});
    const response = await fetch(request, { credentials: "same-origin" });
    if (!response.ok || response.redirected) return;
    const body = await response.clone().text();
    bytes += new Blob([body]).size;
    await cache.put(fragment ? fragmentKey(request) : url, response);
    // The styles and scripts the page needs, so that it works offline as it does online.
    const assets = await caches.open(STATIC);
    for (const [, asset] of body.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)) {
      if (!(await assets.match(asset))) await assets.add(asset);
    }
  };
  for (const url of urls) await fetchOne(url, false);
  for (const url of fragments) await fetchOne(url, true);
  if (!stamp) await cache.put(STAMP, new Response(JSON.stringify({ at: Date.now(), days })));
  return bytes;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep") {
    event.waitUntil(
      keep(data).then((bytes) => event.source.postMessage({ type: "kept", bytes }))
    );
  } else if (data.type === "clear") {
    event.waitUntil(
      Promise.all([caches.delete(PAGES), caches.delete(STATIC)]).then(() =>
        event.source && event.source.postMessage({ type: "cleared" })
      )
    );
  }
});
