/* kg graph viewer: draws the embedded graph with Cytoscape.js; search, legend, details on click.
 * Every text that comes from the data is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var nodesById = Object.create(null);
  var MAX_RESULTS = 25;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  var elements = [];
  data.nodes.forEach(function (n) {
    nodesById[n.id] = n;
    elements.push({
      group: "nodes",
      data: { id: n.id, label: n.label, kind: n.kind, colour: n.colour, size: n.size, shown: n.shown,
              isolated: n.isolated },
      position: { x: n.x, y: n.y }
    });
  });
  data.edges.forEach(function (e) {
    elements.push({
      group: "edges",
      data: { id: e.id, source: e.source, target: e.target, relation: e.relation, width: e.width }
    });
  });

  var large = data.nodes.length > 2000;
  var cy = cytoscape({
    container: document.getElementById("kg-graph"),
    elements: elements,
    layout: { name: "preset", fit: true, padding: 30 },
    minZoom: 0.02,
    maxZoom: 8,
    wheelSensitivity: 0.3,
    textureOnViewport: large,
    hideEdgesOnViewport: large,
    style: [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          width: "data(size)",
          height: "data(size)",
          label: "data(shown)",
          "font-size": 10,
          "text-valign": "bottom",
          "text-halign": "center",
          "text-margin-y": 3,
          "text-wrap": "ellipsis",
          "text-max-width": "140px",
          "min-zoomed-font-size": 7,
          "border-width": 1,
          "border-color": "#ffffff"
        }
      },
      {
        selector: "edge",
        style: {
          width: "data(width)",
          "line-color": "#b9b9b9",
          "curve-style": large ? "haystack" : "bezier",
          "target-arrow-shape": data.directed && !large ? "triangle" : "none",
          "target-arrow-color": "#b9b9b9",
          "arrow-scale": 0.7,
          opacity: 0.8
        }
      },
      { selector: ".faded", style: { opacity: 0.12 } },
      { selector: ".hidden", style: { display: "none" } },
      { selector: "node.match", style: { "border-width": 4, "border-color": "#222222", label: "data(label)", "z-index": 10 } },
      { selector: "node:selected", style: { "border-width": 5, "border-color": "#d62728", label: "data(label)", "z-index": 20 } },
      { selector: "edge:selected", style: { "line-color": "#d62728", "target-arrow-color": "#d62728", width: 3 } },
      { selector: "edge.near", style: { "line-color": "#555555", "target-arrow-color": "#555555", opacity: 1 } }
    ]
  });

  // --- header, legend, notes

  document.getElementById("kg-title").textContent = data.title;
  var summary = document.getElementById("kg-summary");
  var showQuotes = document.getElementById("kg-show-quotes");
  var showIsolated = document.getElementById("kg-show-isolated");
  showQuotes.checked = data.start.quotes;
  showIsolated.checked = data.start.isolated;

  // The same rule as kg.graph.viewer._shown: quotations, and nodes without a neighbour (or
  // whose only neighbours are quotations, while those are hidden), follow the two boxes.
  function shown(node) {
    if (node.data("kind") === "quote" && !showQuotes.checked) return false;
    var isolated = node.data("isolated");
    return showIsolated.checked || !(isolated === 2 || (isolated === 1 && !showQuotes.checked));
  }

  function applyFilters() {
    cy.batch(function () {
      cy.nodes().forEach(function (node) {
        var hide = !shown(node) && !node.selected();
        if (hide !== node.hasClass("hidden")) node.toggleClass("hidden", hide);
      });
    });
    var visible = cy.nodes().not(".hidden").length;
    summary.textContent =
      data.nodes.length.toLocaleString("en") + " nodes, " + data.edges.length.toLocaleString("en") +
      " edges — " + data.view + " view; node size: " + data.sizedBy +
      (visible < data.nodes.length ? "; " + visible.toLocaleString("en") + " nodes shown" : "");
  }

  applyFilters();
  cy.fit(cy.nodes().not(".hidden"), 30);
  showQuotes.addEventListener("change", applyFilters);
  showIsolated.addEventListener("change", applyFilters);
  var legend = document.getElementById("kg-legend");
  data.legend.forEach(function (item) {
    var row = el("li");
    var swatch = el("span", "", "swatch");
    swatch.style.backgroundColor = item.colour;
    row.appendChild(swatch);
    row.appendChild(el("span", item.kind + " (" + item.count.toLocaleString("en") + ")"));
    legend.appendChild(row);
  });
  var notes = document.getElementById("kg-notes");
  data.notes.forEach(function (note) { notes.appendChild(el("li", note)); });

  // --- details

  var details = document.getElementById("kg-details");

  function attributeTable(pairs) {
    var table = el("table", null, "attributes");
    pairs.forEach(function (pair) {
      var row = el("tr");
      row.appendChild(el("th", pair[0]));
      row.appendChild(el("td", pair[1]));
      table.appendChild(row);
    });
    return table;
  }

  function nodeButton(id) {
    var node = nodesById[id];
    var button = el("button", node ? node.label : id, "link");
    button.type = "button";
    button.addEventListener("click", function () { select(id); });
    return button;
  }

  function sentences(edge) {
    var box = el("div", null, "sentences");
    var texts = edge.evidence ? edge.evidence.split("\n") : (edge.sentence ? [edge.sentence] : []);
    texts.forEach(function (text) { box.appendChild(el("blockquote", text)); });
    return box;
  }

  function showNode(id) {
    var node = nodesById[id];
    clear(details);
    details.appendChild(el("h2", node.label));
    details.appendChild(el("p", node.kind, "kind"));
    details.appendChild(el("p", node.id, "iri"));
    details.appendChild(attributeTable(node.attributes));
    var links = cy.getElementById(id).connectedEdges();
    details.appendChild(el("h3", "Connections (" + links.length + ")"));
    var list = el("ul", null, "connections");
    links.forEach(function (link) {
      var edge = data.edges[link.data("index")];
      var item = el("li");
      var outgoing = edge.source === id;
      item.appendChild(el("span", outgoing ? edge.relation + " → " : "← " + edge.relation + " — ", "relation"));
      item.appendChild(nodeButton(outgoing ? edge.target : edge.source));
      item.appendChild(sentences(edge));
      list.appendChild(item);
    });
    details.appendChild(list);
  }

  function showEdge(index) {
    var edge = data.edges[index];
    clear(details);
    details.appendChild(el("h2", edge.relation));
    var line = el("p");
    line.appendChild(nodeButton(edge.source));
    line.appendChild(el("span", " → "));
    line.appendChild(nodeButton(edge.target));
    details.appendChild(line);
    details.appendChild(attributeTable(edge.attributes));
    details.appendChild(el("h3", "Source sentences"));
    details.appendChild(sentences(edge));
  }

  cy.edges().forEach(function (edge, i) { edge.data("index", i); });

  function select(id) {
    var node = cy.getElementById(id);
    if (node.empty()) return false;
    node.removeClass("hidden");  // a hidden node found by search or in a panel is shown
    cy.batch(function () {
      cy.elements(":selected").unselect();
      cy.edges(".near").removeClass("near");
      cy.elements().addClass("faded");
      node.closedNeighborhood().removeClass("faded");
      node.select();
      node.connectedEdges().addClass("near");
    });
    cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1.0) }, { duration: 250 });
    showNode(id);
    return true;
  }

  cy.on("tap", "node", function (event) { select(event.target.id()); });
  cy.on("tap", function (event) {
    if (event.target === cy) {  // the background: back to the whole graph
      cy.batch(function () {
        cy.elements(":selected").unselect();
        cy.elements().removeClass("faded near");
      });
    }
  });
  cy.on("tap", "edge", function (event) {
    cy.elements(":selected").unselect();
    event.target.select();
    showEdge(event.target.data("index"));
  });

  // --- search

  var input = document.getElementById("kg-search");
  var results = document.getElementById("kg-results");

  function search(query) {
    var q = String(query || "").trim().toLowerCase();
    clear(results);
    cy.batch(function () {
      cy.elements().removeClass("faded match");
    });
    if (!q) return [];
    var found = data.nodes.filter(function (n) { return n.search.indexOf(q) !== -1; });
    found.sort(function (a, b) {
      var pa = a.label.toLowerCase().indexOf(q) === 0 ? 0 : 1;
      var pb = b.label.toLowerCase().indexOf(q) === 0 ? 0 : 1;
      return pa - pb || b.size - a.size || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
    });
    cy.batch(function () {
      if (found.length) cy.elements().addClass("faded");
      found.forEach(function (n) { cy.getElementById(n.id).removeClass("faded").addClass("match"); });
    });
    found.slice(0, MAX_RESULTS).forEach(function (n) {
      var item = el("li");
      var button = el("button", n.label, "link");
      button.type = "button";
      button.addEventListener("click", function () { select(n.id); });
      item.appendChild(button);
      item.appendChild(el("span", " " + n.kind, "kind"));
      results.appendChild(item);
    });
    var count = el("li", found.length === 0 ? "no match" :
      found.length + " match" + (found.length === 1 ? "" : "es") +
      (found.length > MAX_RESULTS ? " (first " + MAX_RESULTS + " listed)" : ""), "count");
    results.insertBefore(count, results.firstChild);
    return found.map(function (n) { return n.id; });
  }

  var pending = null;
  input.addEventListener("input", function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () { search(input.value); }, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var ids = search(input.value);
      if (ids.length) select(ids[0]);
    }
  });

  function visibleNodeCount() {
    var width = cy.width(), height = cy.height(), count = 0;
    cy.nodes().forEach(function (node) {
      if (!node.visible() || Number(node.style("opacity")) === 0) return;
      var box = node.renderedBoundingBox({ includeLabels: false });
      if (box.x2 >= 0 && box.y2 >= 0 && box.x1 <= width && box.y1 <= height && box.w > 0) count += 1;
    });
    return count;
  }

  window.kgViewer = {
    cy: cy,
    search: search,
    select: select,
    visibleNodeCount: visibleNodeCount,
    applyFilters: applyFilters,
    ready: true
  };
})();
