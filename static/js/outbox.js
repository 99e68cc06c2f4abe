// Offline in the village (issue 20, item 2). For a township account (body data-offline):
// registers the service worker (/sw.js) that keeps the cadre's ledgers on the phone; on
// 我的帮扶户 asks it to keep each household's ledger and its everyday forms; keeps the saves
// made without network in a queue on the phone (IndexedDB "bangfu", store "outbox"), shown
// as 待同步 N; and sends them in order when the network is back, each through the server's
// own form and checks with the version it was based on. A save the server refuses (a bad
// date, a record changed meanwhile) stays in the queue with the server's answer until the
// cadre discards it or sends it again. Logging out removes the queue and everything kept.
(function () {
  "use strict";
  const body = document.body;
  const texts = body.dataset;
  const headers = { "HX-Request": "true" };
  const DB = "bangfu";
  const STORE = "outbox";

  function database() {
    return new Promise((done, fail) => {
      const opening = indexedDB.open(DB, 1);
      opening.onupgradeneeded = () =>
        opening.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      opening.onsuccess = () => done(opening.result);
      opening.onerror = () => fail(opening.error);
    });
  }

  async function store(mode, work) {
    const db = await database();
    return new Promise((done, fail) => {
      const transaction = db.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => done(result && result.result);
      transaction.onerror = () => fail(transaction.error);
    });
  }

  const all = () => store("readonly", (outbox) => outbox.getAll());
  const put = (entry) => store("readwrite", (outbox) => outbox.put(entry));
  const remove = (id) => store("readwrite", (outbox) => outbox.delete(id));

  // A form that could not be sent: its fields (files as they are) and where it goes.
  async function add(form, label) {
    const fields = [];
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrfmiddlewaretoken") fields.push([name, value]);
    }
    const labels = {};
    const shown = {};
    for (const input of form.elements) {
      const text = input.labels && input.labels[0] && input.labels[0].textContent.trim();
      if (input.name && text) labels[input.name] = text.replace(/[:：]$/, "");
      if (input.tagName === "SELECT" && input.selectedOptions[0]) {
        shown[input.name] = input.selectedOptions[0].textContent.trim();
      }
    }
    await put({ action: form.action, label, fields, labels, shown, created: Date.now(), status: "waiting" });
    await show();
  }

  // The CSRF token of a fresh copy of the form at ``action``; null at the login page.
  async function token(action) {
    const response = await fetch(action, { headers, credentials: "same-origin" });
    if (response.redirected) return null; // at the login page: the session has ended
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const input = page.querySelector("input[name=csrfmiddlewaretoken]");
    return input && input.value;
  }

  let sending = false;
  async function flush() {
    if (sending || !navigator.onLine) return;
    sending = true;
    try {
      for (const entry of await all()) {
        if (entry.status !== "waiting") continue;
        const csrf = await token(entry.action);
        if (!csrf) break;
        const data = new FormData();
        data.append("csrfmiddlewaretoken", csrf);
        for (const [name, value] of entry.fields) data.append(name, value);
        const response = await fetch(entry.action, {
          method: "POST", body: data, headers, credentials: "same-origin",
        });
        if (response.headers.get("X-Ledger-Section")) {
          await remove(entry.id);
          continue;
        }
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const answer = page.querySelector("[role=alert]") || page.querySelector(".errorlist");
        entry.status = "refused";
        entry.answer = answer ? answer.outerHTML : "";
        entry.conflict = response.status === 409;
        // Sent again, a save refused for a conflict replaces what is stored now.
        const version = page.querySelector("input[name=version]");
        if (entry.conflict && version) entry.version = version.value;
        await put(entry);
      }
    } catch (error) {
      // The network went again: what is left waits for the next time.
    } finally {
      sending = false;
      await show();
    }
  }

  function card() {
    let section = document.getElementById("outbox");
    if (!section) {
      section = document.createElement("section");
      section.id = "outbox";
      section.className = "card outbox no-print";
      document.querySelector("main").prepend(section);
    }
    return section;
  }

  async function show() {
    const entries = await all();
    const badge = document.querySelector(".outbox-count");
    if (badge) {
      badge.hidden = !entries.length;
      badge.textContent = texts.outboxCount.replace("%(n)s", entries.length);
    }
    if (!entries.length) {
      const section = document.getElementById("outbox");
      if (section) section.remove();
      return;
    }
    const section = card();
    section.innerHTML = "";
    const heading = document.createElement("h2");
    heading.textContent = texts.outboxCount.replace("%(n)s", entries.length);
    const hint = document.createElement("p");
    hint.className = "muted";
    hint.textContent = texts.outboxHint;
    section.append(heading, hint);
    for (const entry of entries) {
      const item = document.createElement("article");
      item.className = "record";
      const title = document.createElement("h3");
      title.textContent = `${entry.label} · ${new Date(entry.created).toLocaleString("zh-CN", { hour12: false })}`;
      item.append(title);
      if (entry.status === "refused") {
        const answer = document.createElement("div");
        answer.className = "outbox-answer";
        answer.innerHTML = entry.answer || "";
        answer.prepend(entry.conflict ? texts.outboxConflict + " " : texts.outboxRefused + " ");
        item.append(answer);
        if (entry.conflict) item.append(ownValues(entry));
        const again = document.createElement("button");
        again.type = "button";
        again.textContent = entry.conflict ? texts.outboxOverwrite : texts.outboxAgain;
        again.addEventListener("click", async () => {
          entry.status = "waiting";
          if (entry.version) {
            entry.fields = entry.fields.map(([name, value]) =>
              [name, name === "version" ? entry.version : value]);
          }
          await put(entry);
          flush();
        });
        item.append(again, " ");
      }
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "link";
      discard.textContent = texts.outboxDiscard;
      discard.addEventListener("click", async () => {
        await remove(entry.id);
        show();
      });
      item.append(discard);
      section.append(item);
    }
  }

  // What the cadre typed, beside what the server holds now.
  function ownValues(entry) {
    const box = document.createElement("div");
    box.className = "message info";
    const heading = document.createElement("p");
    heading.textContent = texts.outboxOwn;
    const list = document.createElement("dl");
    list.className = "pairs";
    for (const [name, value] of entry.fields) {
      if (typeof value !== "string" || !value || name === "version") continue;
      const term = document.createElement("dt");
      term.textContent = (entry.labels && entry.labels[name]) || name;
      const detail = document.createElement("dd");
      detail.textContent = (entry.shown && entry.shown[name]) || value;
      list.append(term, detail);
    }
    box.append(heading, list);
    return box;
  }

  async function clear() {
    await new Promise((done) => {
      const deleting = indexedDB.deleteDatabase(DB);
      deleting.onsuccess = deleting.onerror = deleting.onblocked = done;
    });
    for (const name of await caches.keys()) await caches.delete(name);
  }

  async function keepMine(worker) {
    // Only 我的帮扶户 of the cadre's own households says what to keep (none: keep none).
    if (!document.querySelector("[data-keep-mine]") || !worker) return;
    const links = [...document.querySelectorAll("[data-ledger]")];
    const urls = links.map((link) => new URL(link.href, location.href).href);
    const fragments = links.flatMap((link) =>
      link.dataset.forms.split(" ").map((form) => new URL(form, location.href).href)
    );
    worker.postMessage({ type: "keep", urls, fragments, days: Number(body.dataset.localDays || 7) });
  }

  window.bangfuOutbox = { add, token };
  if (body.dataset.offline !== "1") return;

  document.addEventListener("submit", (event) => {
    if (event.target.matches("[data-logout]")) {
      event.preventDefault();
      clear().finally(() => event.target.submit());
    }
  });
  window.addEventListener("online", flush);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" });
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "kept") body.dataset.keptBytes = event.data.bytes;
    });
    navigator.serviceWorker.startMessages();
    // The page that registered the worker is not yet under it; the worker keeps all the same.
    navigator.serviceWorker.ready.then((registration) => keepMine(registration.active));
  }
  show();
  flush();
})();
