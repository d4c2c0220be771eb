// Search in a static copy of the gallery (`gallery export-site`): no server answers /search there,
// so this reads /search/index.json (public album titles, places, missions and days) and lists the
// albums that match the form's words and days. The live site never loads this file.
(function () {
  "use strict";

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function matches(album, params) {
    var haystack = fold([album.title, album.place, album.country, album.mission, album.start, album.end].join(" "));
    var words = fold(params.get("q")).split(/\s+/).filter(Boolean);
    if (!words.every(function (word) { return haystack.indexOf(word) !== -1; })) { return false; }
    if (params.get("place") && fold(params.get("place")) !== fold(album.place)) { return false; }
    if (params.get("country") && fold(params.get("country")) !== fold(album.country)) { return false; }
    if (params.get("from") && album.end && album.end < params.get("from")) { return false; }
    if (params.get("to") && album.start && album.start > params.get("to")) { return false; }
    return true;
  }

  function show(index, params) {
    var form = document.querySelector("form.search");
    if (!form) { return; }
    var old = document.getElementById("static-results");
    if (old) { old.remove(); }
    var section = element("section", { id: "static-results", "aria-live": "polite" });
    section.appendChild(element("p", { class: "hint" }, index.words.static_search_note));
    var searched = ["q", "place", "country", "from", "to"].some(function (name) { return params.get(name); });
    if (searched) {
      var found = index.albums.filter(function (album) { return matches(album, params); });
      section.appendChild(element("h2", {}, index.words.results + " (" + found.length + ")"));
      if (!found.length) { section.appendChild(element("p", {}, index.words.no_results)); }
      var list = element("ul", { class: "static-results" });
      found.forEach(function (album) {
        var item = element("li");
        var link = element("a", { href: album.url }, album.title);
        item.appendChild(link);
        var meta = [album.place, album.start === album.end ? album.start : album.start + " – " + album.end];
        item.appendChild(element("span", { class: "meta" }, " " + meta.filter(Boolean).join(" · ")));
        list.appendChild(item);
      });
      section.appendChild(list);
    }
    form.after(section);
  }

  function start() {
    var params = new URLSearchParams(window.location.search);
    var box = document.getElementById("q");
    if (box && params.get("q")) { box.value = params.get("q"); }
    fetch("/search/index.json").then(function (r) { return r.json(); }).then(function (index) {
      show(index, params);
    }).catch(function () {});
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
