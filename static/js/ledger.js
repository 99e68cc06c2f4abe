// In-place editing on the ledger page: an add/edit/delete link loads its form into the
// section, the form posts back with fetch, and the refreshed section replaces the old one.
// Every link and form also works as a plain page without this script.
(function () {
  "use strict";
  const headers = { "HX-Request": "true" };

  function show(slot, html) {
    slot.innerHTML = html;
    const first = slot.querySelector(
      "input:not([type=hidden]), select, textarea, button[type=submit]"
    );
    if (first) first.focus();
  }

  async function load(link) {
    const slot = link.closest("[data-section]").querySelector(".inline-slot");
    const response = await fetch(link.href, { headers, credentials: "same-origin" });
    show(slot, await response.text());
  }

  async function submit(form, slot) {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers,
      credentials: "same-origin",
    });
    const html = await response.text();
    if (!response.headers.get("X-Ledger-Section")) {
      show(slot, html);
      return;
    }
    const section = slot.closest("[data-section]");
    const id = section.id;
    section.outerHTML = html;
    const heading = document.querySelector(`#${id} h2`);
    if (heading) heading.focus();
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    const link = event.target.closest("a[data-inline]");
    if (link && link.closest("[data-section]")) {
      event.preventDefault();
      load(link);
      return;
    }
    const cancel = event.target.closest("[data-cancel]");
    const slot = cancel && cancel.closest(".inline-slot");
    if (slot) {
      event.preventDefault();
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
