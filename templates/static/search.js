// Site search (Pagefind). Pages never need this script to be read; it only
// starts the search box on search.html and explains why search is missing
// when the site is opened straight from disk.
(function () {
  "use strict";
  function start() {
    if (location.protocol === "file:") {
      document.querySelectorAll(".search-offline").forEach(function (note) { note.hidden = false; });
      return;
    }
    var target = document.getElementById("search");
    if (!target || typeof PagefindUI === "undefined") return;
    // Pagefind shows each result's metadata as "<key>: <value>", and the key (category) is the same in every
    // language: show it under the page's own word for it instead.
    var label = target.getAttribute("data-category-label") || "Category";
    function relabel(result) {
      if (result.meta && Object.prototype.hasOwnProperty.call(result.meta, "category")) {
        var meta = {};
        Object.keys(result.meta).forEach(function (key) { meta[key === "category" ? label : key] = result.meta[key]; });
        result.meta = meta;
      }
      return result;
    }
    var ui = new PagefindUI({ element: "#search", showSubResults: false, showImages: false, resetStyles: false,
                              processResult: relabel });
    // Pagefind's input has only a title; the visible "Search" heading labels it (axe: label-title-only).
    var input = target.querySelector("input");
    if (input) input.setAttribute("aria-labelledby", "search-heading");
    var query = new URLSearchParams(location.search).get("q");
    if (query) ui.triggerSearch(query);
    var browse = document.querySelector(".search-browse");
    if (browse) browse.hidden = true;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
