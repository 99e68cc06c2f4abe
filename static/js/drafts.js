// Nothing typed is lost (issue 20): every form marked data-draft keeps what is typed on this
// device (localStorage, under "bangfu:draft:" and the form's address) until the server has
// taken it, and offers it back when the form is shown again — after a failed save, after a
// login that an expired session forced, after the phone closed the browser. Drafts expire
// after data-local-days (body) days and every local value of the site is removed at logout.
(function () {
  "use strict";
  const PREFIX = "bangfu:";
  const DRAFT = PREFIX + "draft:";
  const PENDING = PREFIX + "pending";
  const body = document.body;
  const days = Number(body.dataset.localDays || 7);
  const texts = body.dataset;

  function key(form) {
    return DRAFT + new URL(form.action, location.href).pathname;
  }

  function kept(input) {
    return input.name && input.name !== "csrfmiddlewaretoken" && input.type !== "file"
      && input.type !== "password" && input.type !== "submit";
  }

  function read(storageKey) {
    try {
      const draft = JSON.parse(localStorage.getItem(storageKey));
      if (draft && Date.now() - draft.saved < days * 86400000) return draft;
    } catch (error) { /* a value not ours: ignored */ }
    localStorage.removeItem(storageKey);
    return null;
  }

  function save(form) {
    const values = {};
    for (const input of form.elements) {
      if (!kept(input)) continue;
      if (input.type === "checkbox" || input.type === "radio") {
        (values[input.name] ||= []);
        if (input.checked) values[input.name].push(input.value);
      } else if (input.multiple) {
        values[input.name] = [...input.selectedOptions].map((option) => option.value);
      } else {
        values[input.name] = input.value;
      }
    }
    localStorage.setItem(key(form), JSON.stringify({ saved: Date.now(), values }));
  }

  function fill(form, values) {
    for (const input of form.elements) {
      if (!kept(input) || !(input.name in values)) continue;
      const value = values[input.name];
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = value.includes(input.value);
      } else if (input.multiple) {
        for (const option of input.options) option.selected = value.includes(option.value);
      } else {
        input.value = value;
      }
    }
  }

  function notice(form, draft) {
    const note = document.createElement("p");
    note.className = "message info draft-note";
    note.setAttribute("role", "status");
    const when = new Date(draft.saved).toLocaleString("zh-CN", { hour12: false });
    note.textContent = texts.draftRestored.replace("%s", when) + " ";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = texts.draftDiscard;
    discard.addEventListener("click", () => {
      localStorage.removeItem(key(form));
      form.reset();
      note.remove();
    });
    note.append(discard);
    form.prepend(note);
  }

  // Offer the draft of every draft form on the page (and of one shown later: ledger.js
  // calls window.bangfuDrafts.restore on the forms it loads in place).
  function restore(root) {
    for (const form of root.querySelectorAll("form[data-draft]")) {
      const draft = read(key(form));
      // A form the server sent back with its errors holds what was sent already.
      if (draft && !form.querySelector(".draft-note, .errorlist")) {
        fill(form, draft.values);
        notice(form, draft);
      }
    }
  }

  function forget(form) {
    localStorage.removeItem(key(form));
  }

  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (form && form.matches("[data-draft]")) save(form);
  });
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form && form.matches("[data-draft]")) save(form);
  });

  // A form sent as a whole page: its draft goes once the next page shows that it was taken
  // (neither the form again, with its errors, nor the login page).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("[data-logout]")) {
      for (const name of Object.keys(localStorage)) {
        if (name.startsWith(PREFIX)) localStorage.removeItem(name);
      }
      return;
    }
    if (form.matches("[data-draft]")) {
      save(form);
      sessionStorage.setItem(PENDING, key(form));
    }
  });
  const pending = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const forms = [...document.querySelectorAll("form[data-draft]")];
  if (pending && !document.getElementById("login") && !forms.some((form) => key(form) === pending)) {
    localStorage.removeItem(pending);
  }
  for (const name of Object.keys(localStorage)) {
    if (name.startsWith(DRAFT)) read(name);  // drops the expired
  }
  restore(document);

  window.bangfuDrafts = { restore, forget, save };
})();
