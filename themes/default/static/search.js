// The search page: Pagefind's UI with filters. The bundle and result links are
// resolved against the site's base path, so search works under a sub-path
// (e.g. a GitHub Pages project site at /project/).
(function () {
  var base = document.body.getAttribute("data-base") || "/";
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: base + "pagefind/",
    baseUrl: base,
    showSubResults: true,
    showImages: false,
    autofocus: true,
    resetStyles: false,
    translations: { placeholder: "Search postmortems" }
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
  // Pagefind's box has only a placeholder: give it a name screen readers announce.
  var input = document.querySelector(".pagefind-ui__search-input");
  if (input) { input.setAttribute("aria-label", "Search postmortems"); }
  // Severity tags of results take the site's severity colours, as badges do elsewhere:
  // Pagefind draws them as plain tags, so each is classed by its value when it appears.
  var results = document.getElementById("search");
  if (results && window.MutationObserver) {
    new MutationObserver(function () {
      var tags = results.querySelectorAll('.pagefind-ui__result-tag[data-pagefind-ui-meta="severity"]:not([data-sev])');
      Array.prototype.forEach.call(tags, function (tag) {
        var level = /SEV([1-4])/.exec(tag.textContent || "");
        tag.setAttribute("data-sev", level ? level[1] : "");
        if (level) { tag.classList.add("sev-sev" + level[1]); }
      });
    }).observe(results, { childList: true, subtree: true });
  }
  // On a phone the filters fold behind a button (CSS hides them until it is pressed).
  var toggle = document.querySelector(".filters-toggle");
  var search = document.getElementById("search");
  if (toggle && search) {
    toggle.addEventListener("click", function () {
      var open = search.classList.toggle("filters-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
})();
