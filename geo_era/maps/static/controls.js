/* geo_era's own map controls: fullscreen, a distance measure and the legend.
   Written for geo_era so that its maps need nothing from a CDN; plain Leaflet 1.9. */
(function () {
  "use strict";
  var geoEra = (window.geoEra = window.geoEra || {});

  function button(container, text, title, onClick) {
    var b = L.DomUtil.create("button", "geo-era-button", container);
    b.type = "button";
    b.textContent = text;
    b.title = title;
    b.setAttribute("aria-label", title);
    L.DomEvent.disableClickPropagation(b);
    L.DomEvent.on(b, "click", onClick);
    return b;
  }

  geoEra.fullscreen = function (map) {
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar geo-era-control");
        button(box, "Full screen", "Full screen (Esc to leave)", function () {
          var el = map.getContainer();
          if (document.fullscreenElement) { document.exitFullscreen(); }
          else if (el.requestFullscreen) { el.requestFullscreen(); }
        });
        document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
        return box;
      },
    });
    new Control().addTo(map);
  };

  geoEra.measure = function (map) {
    var points = [], line = null, active = false, readout, toggle;
    function total() {
      var m = 0;
      for (var i = 1; i < points.length; i++) { m += map.distance(points[i - 1], points[i]); }
      return m;
    }
    function show() {
      readout.textContent = active
        ? (points.length < 2 ? "click points to measure" : Math.round(total()) + " m")
        : "";
    }
    function stop() {
      active = false; points = [];
      if (line) { map.removeLayer(line); line = null; }
      map.getContainer().classList.remove("geo-era-measuring");
      toggle.setAttribute("aria-pressed", "false");
      show();
    }
    function click(e) {
      if (!active) { return; }
      points.push(e.latlng);
      if (!line) { line = L.polyline(points, { color: "#000", dashArray: "6 4" }).addTo(map); }
      else { line.setLatLngs(points); }
      show();
    }
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar geo-era-control");
        toggle = button(box, "Measure", "Measure a distance (click again or Esc to stop)",
          function () {
            if (active) { stop(); return; }
            active = true;
            map.getContainer().classList.add("geo-era-measuring");
            toggle.setAttribute("aria-pressed", "true");
            show();
          });
        toggle.setAttribute("aria-pressed", "false");
        readout = L.DomUtil.create("span", "geo-era-readout", box);
        readout.setAttribute("role", "status");
        return box;
      },
    });
    new Control().addTo(map);
    map.on("click", click);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") { stop(); } });
  };

  geoEra.legend = function (map, entries) {
    var Control = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        // a disclosure, so that it never has to cover the data: open on a wide map,
        // closed on a narrow one, either way one click (or Enter) from the other
        var box = L.DomUtil.create("details", "geo-era-legend");
        box.open = map.getSize().x >= 700;
        L.DomUtil.create("summary", "", box).textContent = "Legend";
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        entries.forEach(function (entry) {
          var row = L.DomUtil.create("div", "geo-era-legend-row", box);
          var swatch = L.DomUtil.create("span", "geo-era-swatch", row);
          swatch.style.background = entry.colour;
          L.DomUtil.create("span", "", row).textContent = entry.label;
        });
        return box;
      },
    });
    new Control().addTo(map);
  };
})();
