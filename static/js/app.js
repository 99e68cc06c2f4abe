// The header's menu on a phone: the navigation and the account fold behind one button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const header = document.querySelector(".site-header");
  const toggle = header && header.querySelector(".menu-toggle");
  if (!toggle) return;
  toggle.addEventListener("click", () => {
    const open = header.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
})();
