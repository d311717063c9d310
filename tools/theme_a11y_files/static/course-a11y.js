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

/* Figures on a small screen: a figure drawn wider than it is shown (800 px of plot on a 358 px phone
   column leaves its labels a few pixels high) opens full size with one tap: each figure is a button
   that shows it at the size it was drawn in a dialog, scrolled with a finger; Escape or "Close"
   closes it. */
(function () {
  function openFull(img) {
    var dialog = document.createElement("dialog");
    dialog.className = "course-figure-full";
    dialog.setAttribute("aria-label", "Figure, full size");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "course-figure-close";
    close.textContent = "Close";
    var box = document.createElement("div");
    box.className = "course-figure-scroll";
    box.tabIndex = 0;  // scrolled from the keyboard too
    var copy = document.createElement("img");
    copy.src = img.currentSrc || img.src;
    copy.alt = img.alt;
    copy.style.width = img.naturalWidth + "px";
    box.appendChild(copy);
    dialog.appendChild(close);
    dialog.appendChild(box);
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { dialog.remove(); img.closest("button").focus(); });
    document.body.appendChild(dialog);
    dialog.showModal();
  }
  function addZoom() {
    document.querySelectorAll(".bd-article .cell_output img, .bd-article figure img").forEach(function (img) {
      if (img.closest(".animation, button, a")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "course-figure-zoom";
      button.title = "Open the figure full size";
      img.parentNode.insertBefore(button, img);
      button.appendChild(img);
      button.addEventListener("click", function () { openFull(img); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", addZoom); } else { addZoom(); }
})();

/* The drawer's toggle button keeps its tooltip ("Toggle primary sidebar") after the drawer closes,
   over the page's first words (Bootstrap shows it again as focus returns to the button): for a
   moment after either drawer opens or closes, any tooltip that appears is taken away. */
(function () {
  var quietUntil = 0;
  function removeTooltips() {
    document.querySelectorAll(".tooltip").forEach(function (tip) { tip.remove(); });
  }
  new MutationObserver(function () {
    if (Date.now() < quietUntil) { removeTooltips(); }
  }).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("#pst-primary-sidebar-checkbox, #pst-secondary-sidebar-checkbox")) {
      quietUntil = Date.now() + 1500;
      removeTooltips();
    }
  }, true);
})();

/* Search in a book opened from a folder (file://, the classroom archive): Sphinx's search finds the
   pages from its index but fetches each page to show an excerpt, which a browser refuses from disk
   (four uncaught "Failed to fetch" errors, no excerpts). From disk, those fetches get an empty page
   (the results show without excerpts) and the search page says so. */
(function () {
  if (window.location.protocol !== "file:" || !window.fetch) { return; }
  var fetchFromServer = window.fetch;
  window.fetch = function (resource) {
    var url = new URL(typeof resource === "string" ? resource : resource.url, document.baseURI);
    if (url.protocol === "file:") { return Promise.resolve(new Response("", {status: 200})); }
    return fetchFromServer.apply(this, arguments);
  };
  function explain() {
    var results = document.getElementById("search-results");
    if (!results || document.getElementById("course-search-offline")) { return; }
    var note = document.createElement("p");
    note.id = "course-search-offline";
    note.className = "admonition note";
    note.textContent = "This book is open from a folder (file://): search lists the matching pages " +
      "without an excerpt from each. The book served from a web server shows the excerpts too.";
    results.parentNode.insertBefore(note, results);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", explain); } else { explain(); }
})();
