/* Accessibility fixes to the book theme (tools/theme_a11y.py says why each exists).
   The theme makes a code block or output that scrolls sideways a tab stop, so a keyboard can scroll
   it (WCAG 2.1.1), but only for those shown when the page loads: the same for those revealed later,
   when a reader opens a collapsed cell or a solution. */
(function () {
  function addTabStops() {
    document.querySelectorAll("pre, .cell_output > .output").forEach(function (element) {
      if (element.scrollWidth > element.clientWidth || element.scrollHeight > element.clientHeight) {
        element.tabIndex = 0;
      }
    });
  }
  function soon() { window.setTimeout(addTabStops, 50); }
  document.addEventListener("toggle", soon, true);  // <details> opened or closed
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".toggle-button, summary")) { soon(); }
  }, true);
  window.addEventListener("load", soon);
})();
