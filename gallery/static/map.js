// Galerie, map and paging (H7): fills each .map[data-src] with Leaflet (clustered markers, the
// path in time order) and its .map-list with the same places, so the page stays useful without tiles.
(function () {
  "use strict";
  var blocks = document.querySelectorAll(".map[data-src]");
  var link = function (point) {
    var a = document.createElement("a");
    a.href = point.url;
    a.textContent = point.label + (point.album ? " — " + point.album : "");
    return a;
  };
  var fillList = function (list, points) {
    if (!list || list.children.length) { return; }
    var seen = {};
    points.forEach(function (point) {
      var key = point.url + "|" + point.label;
      if (seen[key]) { return; }
      seen[key] = true;
      var item = document.createElement("li");
      item.appendChild(link(point));
      if (point.photos) {
        var count = document.createElement("span");
        count.className = "meta";
        count.textContent = " " + point.photos + " photos";
        item.appendChild(count);
      }
      list.appendChild(item);
    });
  };
  Array.prototype.forEach.call(blocks, function (box) {
    var section = box.closest(".map-block");
    fetch(box.getAttribute("data-src"), { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      if (!data.points.length) { section.hidden = true; return; }
      if (!data.exact) { section.classList.add("town-level"); } else { section.classList.add("exact"); }
      if (!data.exact) { fillList(section.querySelector(".map-list"), data.points); }
      if (!window.L) { return; }
      box.hidden = false;
      var map = L.map(box, { scrollWheelZoom: false, maxZoom: 18 });
      var tiles = box.getAttribute("data-tiles");
      if (tiles) {
        var credit = box.getAttribute("data-attribution");
        L.tileLayer(tiles, {
          maxZoom: 18,
          attribution: credit === "OpenStreetMap" ? "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>" : ""
        }).addTo(map);
      } else {
        box.classList.add("no-tiles");
      }
      var bounds = data.points.map(function (point) { return [point.lat, point.lon]; });
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 12 });  // a view first: clusters need a zoom
      var group = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false }) : L.featureGroup();
      data.points.forEach(function (point) {
        var marker = L.marker([point.lat, point.lon], { title: point.label, alt: point.label, keyboard: true });
        marker.bindPopup(link(point));
        group.addLayer(marker);
      });
      map.addLayer(group);
      if (data.path.length > 1) {
        L.polyline(data.path, { color: "#0b5cad", weight: 3, opacity: 0.8, interactive: false }).addTo(map);
      }
      box.setAttribute("data-markers", String(data.points.length));
    }).catch(function (error) {
      if (window.console) { window.console.warn("map:", error); }  // the list stays: never an error page
    });
  });
})();
