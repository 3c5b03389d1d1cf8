// The navigation's groups are <details> elements, which open and close
// without script. This only closes an open group when another opens, when
// the person clicks elsewhere or presses Escape, as menus do.
(function () {
  "use strict";
  function groups() { return document.querySelectorAll(".site-nav details[open]"); }
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d.open || !d.closest || !d.closest(".site-nav")) { return; }
    groups().forEach(function (o) { if (o !== d) { o.open = false; } });
  }, true);
  document.addEventListener("click", function (ev) {
    groups().forEach(function (o) { if (!o.contains(ev.target)) { o.open = false; } });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") { return; }
    groups().forEach(function (o) {
      o.open = false;
      if (o.contains(document.activeElement)) { o.querySelector("summary").focus(); }
    });
  });
})();
