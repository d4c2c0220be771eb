// Galerie, map and paging (H7): long albums and the timeline load their next page as the visitor
// nears the bottom. Without JavaScript the same pages are plain links (nav.pages, rel=next).
(function () {
  "use strict";
  var nav = document.querySelector("nav.pages[data-next]");
  if (!nav || !("IntersectionObserver" in window) || !window.fetch || !window.DOMParser) { return; }
  var status = document.createElement("p");
  status.className = "paging-status meta";
  status.setAttribute("role", "status");
  nav.parentNode.insertBefore(status, nav);
  var busy = false;
  var target = function (doc) { return doc.querySelector("main .days") || doc.querySelector("main ul.grid"); };
  var append = function (here, there) {
    if (here.tagName === "UL") {
      while (there.firstElementChild) { here.appendChild(there.firstElementChild); }
      return;
    }
    while (there.firstElementChild) {
      var section = there.firstElementChild;
      var last = here.lastElementChild;
      if (last && last.getAttribute("data-day") === section.getAttribute("data-day")) {
        var grid = last.querySelector("ul.grid");
        var items = section.querySelectorAll("ul.grid > li");
        for (var i = 0; i < items.length; i++) { grid.appendChild(items[i]); }
        there.removeChild(section);
      } else {
        here.appendChild(section);
      }
    }
  };
  var near = function () { return nav.getBoundingClientRect().top < window.innerHeight + 800; };
  var load = function () {
    var next = nav.getAttribute("data-next");
    if (busy || !next) { return; }
    busy = true;
    status.textContent = nav.getAttribute("data-loading") || "…";
    fetch(next, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(response.statusText); }
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var here = target(document), there = target(doc);
      if (!here || !there) { throw new Error("unexpected page"); }
      append(here, there);
      var fresh = doc.querySelector("nav.pages");
      nav.innerHTML = fresh ? fresh.innerHTML : "";
      nav.setAttribute("data-next", fresh ? fresh.getAttribute("data-next") || "" : "");
      status.textContent = "";
      busy = false;
      if (!nav.getAttribute("data-next")) { observer.disconnect(); } else if (near()) { load(); }
    }).catch(function () {
      status.textContent = "";  // the plain links stay: nothing is lost
      busy = false;
    });
  };
  var observer = new IntersectionObserver(function (entries) {
    if (entries.some(function (entry) { return entry.isIntersecting; })) { load(); }
  }, { rootMargin: "0px 0px 800px 0px" });
  observer.observe(nav);
})();
