// A small interactive graph view (SVG, force-directed layout, drag, pan, zoom), no library.
"use strict";
(function (global) {
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_NODES = 400;
  const PALETTE = ["#1f5fbf", "#d9822b", "#2e9e5b", "#b8405e", "#7a5cc2", "#3a9ca8", "#a08a1e", "#6b7280"];

  function localName(iri) {
    const cut = Math.max(iri.lastIndexOf("/"), iri.lastIndexOf("#"));
    const tail = cut >= 0 ? iri.slice(cut + 1) : iri;
    return decodeURIComponent(tail || iri);
  }

  function nodeKey(term) {
    return (term.type === "literal" ? "L:" : term.type === "bnode" ? "B:" : "U:") + term.value;
  }

  function isResource(term) { return term && (term.type === "uri" || term.type === "bnode"); }

  // Nodes and edges from triples [{s, p, o}]: literals become leaf nodes.
  function fromTriples(triples) {
    const g = { nodes: new Map(), edges: [] };
    for (const t of triples) {
      const a = addNode(g, t.s, "subject"), b = addNode(g, t.o, t.o.type === "literal" ? "literal" : "object");
      if (a && b) g.edges.push({ source: a, target: b, label: localName(t.p.value) });
    }
    // rdfs:label / skos:prefLabel / schema:name give node labels.
    for (const t of triples) {
      const p = t.p.value;
      if (t.o.type === "literal" && /(#label|prefLabel|\/name)$/.test(p)) {
        const n = g.nodes.get(nodeKey(t.s));
        if (n) n.label = t.o.value;
      }
    }
    return g;
  }

  // Nodes and edges from SELECT rows: the first resource column of a row links to the others.
  function fromRows(vars, rows) {
    const hasTriple = ["s", "p", "o"].every(v => vars.includes(v)) ||
                      ["subject", "predicate", "object"].every(v => vars.includes(v));
    if (hasTriple) {
      const [s, p, o] = vars.includes("s") ? ["s", "p", "o"] : ["subject", "predicate", "object"];
      return fromTriples(rows.filter(r => r[s] && r[p] && r[o]).map(r => ({ s: r[s], p: r[p], o: r[o] })));
    }
    const g = { nodes: new Map(), edges: [] };
    const resourceVars = vars.filter(v => rows.some(r => isResource(r[v])));
    const labelFor = (v, row) => {
      for (const name of [v + "Label", v + "Name", v === resourceVars[0] ? "label" : "", v === resourceVars[0] ? "name" : ""]) {
        if (name && row[name] && row[name].type === "literal") return row[name].value;
      }
      return null;
    };
    for (const row of rows) {
      const present = resourceVars.filter(v => isResource(row[v]));
      if (!present.length) continue;
      const hub = addNode(g, row[present[0]], present[0], labelFor(present[0], row));
      for (const v of present.slice(1)) {
        const other = addNode(g, row[v], v, labelFor(v, row));
        if (hub && other && hub !== other && !g.edges.some(e => e.source === hub && e.target === other && e.label === v)) {
          g.edges.push({ source: hub, target: other, label: v });
        }
      }
    }
    return g;
  }

  function addNode(g, term, kind, label) {
    const key = nodeKey(term);
    let node = g.nodes.get(key);
    if (!node) {
      if (g.nodes.size >= MAX_NODES) { g.truncated = true; return null; }
      node = { key, term, kind, label: label || (term.type === "literal" ? term.value : localName(term.value)),
               x: 0, y: 0, vx: 0, vy: 0, fixed: false };
      g.nodes.set(key, node);
    } else if (label && !node.labelFromData) {
      node.label = label;
      node.labelFromData = true;
    }
    return node;
  }

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  class GraphView {
    constructor(svg, info) {
      this.svg = svg; this.info = info; this.scale = 1; this.tx = 0; this.ty = 0;
      this.graph = { nodes: new Map(), edges: [] }; this.frame = null;
      this.bindPanZoom();
    }

    show(graph) {
      this.graph = graph;
      const nodes = [...graph.nodes.values()];
      const kinds = [...new Set(nodes.map(n => n.kind))];
      this.color = k => PALETTE[kinds.indexOf(k) % PALETTE.length];
      const box = this.svg.getBoundingClientRect();
      this.width = box.width || 800; this.height = box.height || 500;
      nodes.forEach((n, i) => {  // start on a circle: the same picture every time
        const a = (2 * Math.PI * i) / Math.max(1, nodes.length);
        const r = Math.min(this.width, this.height) * 0.35;
        n.x = this.width / 2 + r * Math.cos(a); n.y = this.height / 2 + r * Math.sin(a);
      });
      this.scale = 1; this.tx = 0; this.ty = 0;
      this.render();
      this.info.textContent = `${nodes.length} nodes, ${graph.edges.length} edges` +
        (graph.truncated ? ` (only the first ${MAX_NODES} nodes are drawn)` : "");
      this.alpha = 1;
      this.tick();
    }

    render() {
      const svg = this.svg;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      this.root = el("g", {}, svg);
      const edgeLayer = el("g", {}, this.root), nodeLayer = el("g", {}, this.root);
      // Edge labels only when they tell edges apart and there are few enough to read.
      const labels = new Set(this.graph.edges.map(e => e.label));
      const showLabels = labels.size > 1 && this.graph.edges.length <= 60;
      for (const e of this.graph.edges) {
        e.line = el("line", { class: "edge" }, edgeLayer);
        el("title", {}, e.line).textContent = e.label;
        e.text = el("text", { class: "edge-label", "text-anchor": "middle" }, edgeLayer);
        if (showLabels) e.text.textContent = e.label;
      }
      for (const n of this.graph.nodes.values()) {
        n.g = el("g", { class: "node", "data-key": n.key }, nodeLayer);
        const title = el("title", {}, n.g);
        title.textContent = n.term.value;
        el("circle", { r: n.term.type === "literal" ? 4 : 7, fill: this.color(n.kind) }, n.g);
        const label = el("text", { x: 10, y: 4 }, n.g);
        label.textContent = n.label.length > 40 ? n.label.slice(0, 39) + "…" : n.label;
        this.bindDrag(n);
      }
      this.place();
    }

    place() {
      this.root.setAttribute("transform", `translate(${this.tx},${this.ty}) scale(${this.scale})`);
      for (const e of this.graph.edges) {
        e.line.setAttribute("x1", e.source.x); e.line.setAttribute("y1", e.source.y);
        e.line.setAttribute("x2", e.target.x); e.line.setAttribute("y2", e.target.y);
        e.text.setAttribute("x", (e.source.x + e.target.x) / 2); e.text.setAttribute("y", (e.source.y + e.target.y) / 2);
      }
      for (const n of this.graph.nodes.values()) n.g.setAttribute("transform", `translate(${n.x},${n.y})`);
    }

    tick() {
      cancelAnimationFrame(this.frame);
      const nodes = [...this.graph.nodes.values()], edges = this.graph.edges;
      const step = () => {
        for (let i = 0; i < nodes.length; i++) {  // repulsion
          for (let j = i + 1; j < nodes.length; j++) {
            const a = nodes[i], b = nodes[j];
            let dx = a.x - b.x, dy = a.y - b.y, d2 = dx * dx + dy * dy;
            if (d2 < 0.01) { dx = (i % 7) - 3 + 0.1; dy = (j % 5) - 2 + 0.1; d2 = dx * dx + dy * dy; }
            const f = Math.min(4000 / d2, 50) * this.alpha;
            const d = Math.sqrt(d2);
            a.vx += (dx / d) * f; a.vy += (dy / d) * f; b.vx -= (dx / d) * f; b.vy -= (dy / d) * f;
          }
        }
        for (const e of edges) {  // springs
          const dx = e.target.x - e.source.x, dy = e.target.y - e.source.y;
          const d = Math.sqrt(dx * dx + dy * dy) || 1, f = (d - 90) * 0.02 * this.alpha;
          e.source.vx += (dx / d) * f; e.source.vy += (dy / d) * f; e.target.vx -= (dx / d) * f; e.target.vy -= (dy / d) * f;
        }
        for (const n of nodes) {  // towards the centre, damping
          n.vx += (this.width / 2 - n.x) * 0.005 * this.alpha; n.vy += (this.height / 2 - n.y) * 0.005 * this.alpha;
          if (!n.fixed) { n.x += n.vx; n.y += n.vy; }
          n.vx *= 0.6; n.vy *= 0.6;
        }
        this.place();
        this.alpha *= 0.985;
        if (this.alpha > 0.02) this.frame = requestAnimationFrame(step);
      };
      this.frame = requestAnimationFrame(step);
    }

    point(event) {
      const box = this.svg.getBoundingClientRect();
      return { x: (event.clientX - box.left - this.tx) / this.scale, y: (event.clientY - box.top - this.ty) / this.scale };
    }

    bindDrag(node) {
      node.g.addEventListener("pointerdown", event => {
        event.stopPropagation();
        node.g.setPointerCapture(event.pointerId);
        node.fixed = true;
        this.select(node);
        const move = e => { const p = this.point(e); node.x = p.x; node.y = p.y; this.place(); };
        const up = () => {
          node.g.removeEventListener("pointermove", move); node.g.removeEventListener("pointerup", up);
          node.fixed = false;
        };
        node.g.addEventListener("pointermove", move); node.g.addEventListener("pointerup", up);
      });
    }

    select(node) {
      for (const n of this.graph.nodes.values()) n.g.classList.toggle("selected", n === node);
      const degree = this.graph.edges.filter(e => e.source === node || e.target === node).length;
      this.info.textContent = `${node.label} — ${node.term.value} (${node.kind}, ${degree} link${degree === 1 ? "" : "s"})`;
    }

    bindPanZoom() {
      this.svg.addEventListener("pointerdown", event => {
        const start = { x: event.clientX - this.tx, y: event.clientY - this.ty };
        this.svg.setPointerCapture(event.pointerId);
        const move = e => { this.tx = e.clientX - start.x; this.ty = e.clientY - start.y; this.place(); };
        const up = () => { this.svg.removeEventListener("pointermove", move); this.svg.removeEventListener("pointerup", up); };
        this.svg.addEventListener("pointermove", move); this.svg.addEventListener("pointerup", up);
      });
      this.svg.addEventListener("wheel", event => {
        event.preventDefault();
        const box = this.svg.getBoundingClientRect();
        const mx = event.clientX - box.left, my = event.clientY - box.top;
        const factor = Math.exp(-event.deltaY * 0.001);
        const scale = Math.min(8, Math.max(0.1, this.scale * factor));
        this.tx = mx - ((mx - this.tx) * scale) / this.scale; this.ty = my - ((my - this.ty) * scale) / this.scale;
        this.scale = scale;
        if (this.root) this.place();
      }, { passive: false });
    }
  }

  global.kgGraph = { GraphView, fromRows, fromTriples };
})(window);
