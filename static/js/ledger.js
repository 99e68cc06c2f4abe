// In-place editing on the ledger page: an add/edit/delete link loads its form into the
// section, the form posts back with fetch, and the refreshed section replaces the old one.
// Every link and form also works as a plain page without this script.
//
// Nothing typed is lost (drafts.js keeps it on the device): a save that meets an expired
// session keeps the form, offers a login in a new tab and sends the form again once that tab
// has logged in; a save without network keeps the form and says so.
(function () {
  "use strict";
  const headers = { "HX-Request": "true" };
  const texts = document.body.dataset;
  const drafts = window.bangfuDrafts;

  function show(slot, html) {
    slot.innerHTML = html;
    drafts.restore(slot);
    const first = slot.querySelector(
      "input:not([type=hidden]), select, textarea, button[type=submit]"
    );
    if (first) first.focus();
  }

  function atLogin(response) {
    return response.redirected && new URL(response.url).pathname === texts.loginUrl;
  }

  function say(form, text, link) {
    let note = form.querySelector(".send-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "message error send-note";
      note.setAttribute("role", "alert");
      form.prepend(note);
    }
    note.textContent = text + " ";
    if (link) note.append(link);
  }

  // A link in a section loads into that section; one of the action bar into the section it
  // names (data-into), which is then scrolled to.
  async function load(link) {
    const section = link.dataset.into
      ? document.getElementById(link.dataset.into)
      : link.closest("[data-section]");
    const slot = section.querySelector(".inline-slot");
    const response = await fetch(link.href, { headers, credentials: "same-origin" });
    if (atLogin(response)) {
      location.href = link.href;  // the login page, then back to this form
      return;
    }
    show(slot, await response.text());
    if (link.dataset.into) slot.scrollIntoView({ block: "start" });
  }

  function waitForLogin(form, slot) {
    const link = document.createElement("a");
    link.href = `${texts.loginUrl}?next=${encodeURIComponent(texts.reloggedUrl)}`;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = texts.relogin;
    say(form, `${texts.expired} ${texts.afterLogin}`, link);
    window.addEventListener("storage", async function again(event) {
      if (event.key !== "bangfu:login" || !event.newValue) return;
      window.removeEventListener("storage", again);
      localStorage.removeItem("bangfu:login");
      // After a new login the form's CSRF token is stale: take the one of a fresh copy.
      const token = await window.bangfuOutbox.token(form.action);
      if (token) form.elements.csrfmiddlewaretoken.value = token;
      submit(form, slot);
    });
  }

  async function submit(form, slot) {
    drafts.save(form);
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers,
        credentials: "same-origin",
      });
    } catch (error) {
      if (texts.offline !== "1") {
        say(form, texts.noNetwork);
        return;
      }
      // No network: the save waits on the phone and goes when the network is back.
      const heading = form.closest(".inline-form").querySelector("h3");
      const label = `${document.querySelector("h1").textContent.trim()} · ${heading.textContent.trim()}`;
      await window.bangfuOutbox.add(form, label);
      drafts.forget(form);
      const queued = document.createElement("p");
      queued.className = "message info saved-note";
      queued.setAttribute("role", "status");
      queued.textContent = texts.queued;
      slot.innerHTML = "";
      slot.closest("[data-section]").querySelector("h2").after(queued);
      return;
    }
    if (atLogin(response)) {
      waitForLogin(form, slot);
      return;
    }
    const html = await response.text();
    if (!response.headers.get("X-Ledger-Section")) {
      show(slot, html);
      return;
    }
    drafts.forget(form);
    const section = slot.closest("[data-section]");
    const id = section.id;
    section.outerHTML = html;
    const saved = document.createElement("p");
    saved.className = "message success saved-note";
    saved.setAttribute("role", "status");
    saved.textContent = texts.saved;
    const heading = document.querySelector(`#${id} h2`);
    if (heading) {
      heading.after(saved);
      heading.focus();
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-inline]");
    if (link && (link.dataset.into || link.closest("[data-section]"))) {
      event.preventDefault();
      load(link);
      return;
    }
    const cancel = event.target.closest("[data-cancel]");
    const slot = cancel && cancel.closest(".inline-slot");
    if (slot) {
      event.preventDefault();
      const form = slot.querySelector("form[data-draft]");
      if (form) drafts.forget(form);
      slot.innerHTML = "";
    }
  });

  document.addEventListener("submit", (event) => {
    const slot = event.target.closest(".inline-slot");
    if (!slot) return;
    event.preventDefault();
    submit(event.target, slot);
  });

  document.addEventListener("keydown", (event) => {
    const slot = event.key === "Escape" && event.target.closest(".inline-slot");
    if (slot) slot.innerHTML = "";
  });
})();
