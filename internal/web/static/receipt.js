// The receipt's print button: the page's own script (the Content Security
// Policy refuses inline handlers), with a button that prints the page.
(function () {
  "use strict";
  var b = document.getElementById("receipt-print");
  if (b) { b.addEventListener("click", function () { window.print(); }); }
})();
