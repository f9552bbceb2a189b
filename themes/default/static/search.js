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
    var box = document.getElementById("site-search");
    if (box) { box.value = query; }
  }
})();
