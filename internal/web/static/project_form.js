// "Add a row" for the milestone and criterion rows of the project form, an
// enhancement: without JavaScript the form offers a fixed number of empty
// rows and ignores blank ones. The button's text comes from the fieldset's
// data-add-row attribute (no inline script: the CSP allows only our files).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var sets = document.querySelectorAll("fieldset[data-add-row]");
    Array.prototype.forEach.call(sets, function (set) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "add-row";
      button.textContent = set.getAttribute("data-add-row");
      button.addEventListener("click", function () {
        var rows = set.querySelectorAll(".row-group");
        if (!rows.length || rows.length >= 50) { return; }
        var last = rows[rows.length - 1];
        var n = rows.length;
        var row = last.cloneNode(true);
        row.setAttribute("data-row", String(n));
        Array.prototype.forEach.call(row.querySelectorAll("[id]"), function (el) {
          el.id = el.id.replace(/-\d+(-(error|hint))?$/, "-" + n + "$1");
        });
        Array.prototype.forEach.call(row.querySelectorAll("label[for]"), function (el) {
          el.htmlFor = el.htmlFor.replace(/-\d+$/, "-" + n);
        });
        Array.prototype.forEach.call(row.querySelectorAll("input"), function (el) { el.value = ""; });
        Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (el) { el.remove(); });
        last.parentNode.insertBefore(row, last.nextSibling);
        var first = row.querySelector("input");
        if (first) { first.focus(); }
      });
      set.appendChild(button);
    });
  });
})();
