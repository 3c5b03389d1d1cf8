// The coverage map: communities coloured covered / not covered, facilities
// with their service radius, over tiles only when the deployment configures
// them. The data is the GeoJSON the page embeds (no inline script: the CSP
// allows only our own files); the page's tables carry the same facts
// without JavaScript.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  ready(function () {
    var el = document.getElementById("coverage-map-data");
    var view = document.getElementById("coverage-map-view");
    if (!el || !view || !window.L) { return; }
    var data;
    try { data = JSON.parse(el.textContent); } catch (e) { return; }
    var lab = data.labels || {};
    var map = window.L.map(view, { preferCanvas: true, attributionControl: !!data.tiles });
    if (data.tiles) {
      window.L.tileLayer(data.tiles, { maxZoom: 18 }).addTo(map);
    }
    var bounds = [];
    var communities = 0, facilities = 0;
    (data.geojson.features || []).forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties, ll = [c[1], c[0]];
      bounds.push(ll);
      if (p.layer === "facility") {
        var planned = p.status === "planned";
        window.L.circle(ll, { radius: p.radius, color: planned ? "#8a4b00" : "#0b5cad", weight: 1,
          dashArray: planned ? "6 4" : null, fillOpacity: 0.08 }).addTo(map);
        window.L.circleMarker(ll, { radius: 7, color: "#ffffff", weight: 2, fillColor: planned ? "#8a4b00" : "#0b5cad",
          fillOpacity: 1, className: "facility-marker" })
          .bindPopup("<strong>" + esc(p.name) + "</strong><br>" + esc(planned ? lab.planned : lab.in_use) +
            "<br>" + esc(lab.radius) + " " + esc(p.radius) + " " + esc(lab.m))
          .addTo(map);
        facilities++;
      } else {
        window.L.circleMarker(ll, { radius: 5, weight: 1, color: "#333333",
          fillColor: p.covered ? "#1a7f37" : "#c62828", fillOpacity: 0.9, className: "community-marker" })
          .bindPopup("<strong>" + esc(p.name) + "</strong> " + esc(p.code) + "<br>" +
            esc(p.covered ? lab.covered : lab.uncovered) + "<br>" + esc(lab.population) + " " + esc(p.population || "—"))
          .addTo(map);
        communities++;
      }
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    } else {
      map.setView([35, 105], 4);
    }
    view.setAttribute("data-communities", communities);
    view.setAttribute("data-facilities", facilities);
    view.setAttribute("data-ready", "1");
  });
})();
