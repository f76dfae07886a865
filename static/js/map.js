// The tiled map: one marker per municipality, from the GeoJSON a [data-map] element names.
//
// Markup (templates/cases/_tile_map.html):
//   <div data-map data-geojson="URL" data-case-url="/cases/__slug__/" data-place-url="/places/__code__/"
//        data-center="lat,lng" (optional: centre there instead of fitting every marker)>
//   <div data-map-fallback> the server-drawn prefecture map: shown without this script, hidden
//        when the tiled map starts, shown again if the tiles fail to load </div>
//   <p data-map-unmapped hidden> filled with 「地図に表示できない事例 N件」 </p>
// Base layer: 地理院タイル 淡色地図. Its attribution stays in the corner while the map is shown.
(() => {
  "use strict";

  const TILES = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png";
  const ATTRIBUTION =
    '出典：<a href="https://maps.gsi.go.jp/development/ichiran.html">国土地理院</a>';
  // One failed tile can be a blip; this many means the tile server is out of reach.
  const TILE_ERRORS_BEFORE_FALLBACK = 3;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function markerSize(count) {
    return Math.min(56, 28 + Math.round(8 * Math.log2(count)));
  }

  // Built from DOM nodes, never from HTML strings: titles come from the catalogue.
  function popupContent(properties, types, caseUrl, placeUrl) {
    const box = element("div", "map-popup");
    const heading = element("p", "map-popup__title");
    const place = element("a", "", `${properties.prefecture}${properties.name}`);
    place.href = placeUrl.replace("__code__", properties.lg_code);
    heading.append(place, ` ${properties.count}件`);
    box.append(heading);
    const list = element("ul", "map-popup__list");
    for (const item of properties.cases) {
      const entry = element("li");
      const link = element("a", "", item.title);
      link.href = caseUrl.replace("__slug__", item.slug);
      entry.append(link);
      if (types[item.type]) entry.append(element("span", "meta", `（${types[item.type]}）`));
      list.append(entry);
    }
    box.append(list);
    if (properties.count > properties.cases.length) {
      box.append(element("p", "meta", `ほか${properties.count - properties.cases.length}件`));
    }
    return box;
  }

  function makeMarker(feature, options) {
    const [lng, lat] = feature.geometry.coordinates;
    const properties = feature.properties;
    const size = markerSize(properties.count);
    const label = element("span", "map-marker__count", String(properties.count));
    const marker = L.marker([lat, lng], {
      icon: L.divIcon({
        className: "map-marker",
        html: label,
        iconSize: [size, size],
      }),
      keyboard: true, // tabindex=0, and Enter opens the popup (Leaflet 1.9)
      title: `${properties.prefecture}${properties.name} ${properties.count}件`,
      alt: `${properties.prefecture}${properties.name} ${properties.count}件`,
    });
    marker.bindPopup(() => popupContent(properties, options.types, options.caseUrl, options.placeUrl), {
      maxWidth: 320,
    });
    marker.on("add", () => {
      const icon = marker.getElement();
      icon.setAttribute("role", "button");
      icon.setAttribute("aria-label", marker.options.title);
    });
    marker.on("popupopen", (event) => {
      // Move the keyboard into the popup; Escape or its close button brings it back.
      const container = event.popup.getElement();
      const first = container.querySelector(".map-popup a");
      if (first) first.focus();
      // Leaflet keeps one container per popup and opens it again: one listener is enough.
      if (container.dataset.escapeCloses) return;
      container.dataset.escapeCloses = "true";
      container.addEventListener("keydown", (key) => {
        if (key.key === "Escape") {
          marker.closePopup();
          // The focused link goes with the popup: bring the keyboard back to its marker.
          const icon = marker.getElement();
          if (icon) icon.focus();
        }
      });
    });
    marker.on("popupclose", () => {
      const icon = marker.getElement();
      const active = document.activeElement;
      // Focus was in the popup (now gone, so on <body>) or elsewhere in the map: back to the marker.
      if (icon && (!active || active === document.body || icon.closest(".leaflet-container").contains(active))) {
        icon.focus();
      }
    });
    return marker;
  }

  function showUnmapped(root, unmapped) {
    const note = root.parentNode.querySelector("[data-map-unmapped]");
    if (!note || !unmapped) return;
    const total = unmapped.wide + unmapped.foreign;
    if (!total) return;
    const parts = [];
    if (unmapped.wide) parts.push(`都道府県・全国 ${unmapped.wide}件`);
    if (unmapped.foreign) parts.push(`海外 ${unmapped.foreign}件`);
    note.textContent = `地図に表示できない事例 ${total}件（${parts.join("、")}）`;
    note.hidden = false;
  }

  async function start(root) {
    const map = L.map(root, { scrollWheelZoom: false, zoomControl: true });
    map.setView([36.5, 137.5], 5);
    const fallback = root.parentNode.querySelector("[data-map-fallback]");
    if (fallback) fallback.hidden = true;
    let tileErrors = 0;
    L.tileLayer(TILES, {
      attribution: ATTRIBUTION,
      minZoom: 5,
      maxZoom: 18,
    })
      .on("tileerror", () => {
        tileErrors += 1;
        if (fallback && tileErrors >= TILE_ERRORS_BEFORE_FALLBACK) {
          fallback.hidden = false;
          root.classList.add("tile-map--no-tiles");
        }
      })
      .addTo(map);
    let data;
    try {
      const response = await fetch(root.dataset.geojson, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json();
    } catch (error) {
      root.setAttribute("aria-busy", "false");
      const message = root.parentNode.querySelector("[data-map-error]");
      if (message) message.hidden = false;
      return;
    }
    const options = {
      types: data.types || {},
      caseUrl: root.dataset.caseUrl,
      placeUrl: root.dataset.placeUrl,
    };
    const markers = data.features.map((feature) => makeMarker(feature, options));
    // The final view first, without animation, and only then the markers, so that the clusters
    // are drawn once, at that view. The other way round, the map zooms for a quarter of a second
    // after aria-busy has gone, with the first view's markers still in the page: a keyboard user
    // (or a test) could focus one that the zoom then removes, and Enter opened nothing.
    if (root.dataset.center) {
      const [lat, lng] = root.dataset.center.split(",").map(Number);
      map.setView([lat, lng], Number(root.dataset.zoom || 10), { animate: false });
    } else if (markers.length) {
      const bounds = L.latLngBounds(markers.map((marker) => marker.getLatLng()));
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 11, animate: false });
    }
    const clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
    map.addLayer(clusters);
    clusters.addLayers(markers);
    // What the map holds, for tests and for anyone checking it against the text list.
    root.dataset.markers = String(data.features.length);
    root.kokudoMarkers = clusters;
    showUnmapped(root, data.unmapped);
    root.setAttribute("aria-busy", "false");
  }

  function startAll(container) {
    container.querySelectorAll("[data-map]").forEach((root) => {
      if (root.dataset.mapStarted) return;
      root.dataset.mapStarted = "true";
      root.hidden = false;
      start(root);
    });
  }

  if (typeof L === "undefined") return;
  startAll(document);
  // The browse page swaps its results in with htmx: start the map that arrives with them.
  document.addEventListener("htmx:load", (event) => startAll(event.detail.elt));
})();
