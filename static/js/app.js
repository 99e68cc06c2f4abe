// The header's menu on a phone: the navigation and the account fold behind one button.
// A [data-print] button prints the page (the printouts: board, card, notices, register).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
  const header = document.querySelector(".site-header");
  const toggle = header && header.querySelector(".menu-toggle");
  if (!toggle) return;
  toggle.addEventListener("click", () => {
    const open = header.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
})();
