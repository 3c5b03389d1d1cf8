// Searchable lists of boxes of the register forms (register_picks.go, the
// "picks" input of register_partials.html): typing in the search box hides
// the boxes whose label does not contain the text (ticked ones always
// stay), and the count of ticked boxes follows. Without JavaScript the
// search box stays hidden and the whole list shows.
(function () {
  'use strict';
  document.querySelectorAll('[data-picks]').forEach(function (box) {
    var search = box.querySelector('[data-picks-search]');
    var count = box.querySelector('[data-picks-n]');
    var items = Array.prototype.slice.call(box.querySelectorAll('.picks-list label'));
    box.querySelectorAll('[data-picks-tool]').forEach(function (el) { el.hidden = false; });
    function filter() {
      var q = search.value.trim().toLowerCase();
      items.forEach(function (item) {
        var ticked = item.querySelector('input').checked;
        item.hidden = q !== '' && !ticked && item.textContent.toLowerCase().indexOf(q) < 0;
      });
    }
    search.addEventListener('input', filter);
    // Enter in the search box narrows the list; it never submits the form.
    search.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); filter(); }
    });
    box.addEventListener('change', function () {
      count.textContent = box.querySelectorAll('.picks-list input:checked').length;
    });
  });
})();
