// The kg web page: pick a named query or write one, run it against /sparql, see a table and a graph.
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const ENDPOINT = "/sparql";
  const state = { queries: [], graph: null, running: false, last: null };
  // What an answer can be downloaded as: SELECT/ASK results, or a graph (CONSTRUCT/DESCRIBE).
  const DOWNLOADS = {
    select: [["text/csv", "CSV", "csv"], ["text/tab-separated-values", "TSV", "tsv"],
             ["application/sparql-results+json", "SPARQL JSON", "srj"], ["application/sparql-results+xml", "SPARQL XML", "srx"]],
    graph: [["text/turtle", "Turtle", "ttl"], ["application/n-triples", "N-Triples", "nt"],
            ["application/ld+json", "JSON-LD", "jsonld"], ["application/rdf+xml", "RDF/XML", "rdf"]],
  };
  const view = new window.kgGraph.GraphView($("graph"), $("graph-info"));

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").classList.toggle("error", Boolean(isError));
  }

  async function loadQueries() {
    try {
      const response = await fetch("/api/queries", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(await response.text());
      state.queries = (await response.json()).queries;
    } catch (error) {
      setStatus("could not load the named queries: " + error.message, true);
      return;
    }
    const select = $("named");
    for (const q of state.queries) {
      const option = document.createElement("option");
      option.value = q.name;
      const about = q.description.startsWith(q.name) ? q.description.slice(q.name.length).replace(/^\s*[—:-]\s*/, "") : q.description;
      option.textContent = q.name + (about ? " — " + about : "");
      select.appendChild(option);
    }
    const wanted = new URLSearchParams(location.search).get("query");
    if (wanted && state.queries.some(q => q.name === wanted)) {
      select.value = wanted;
      pick();
    }
  }

  function pick() {
    const q = state.queries.find(item => item.name === $("named").value);
    $("description").textContent = q ? q.description : "";
    if (q) $("query").value = q.text;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      td.className = "iri";
      if (/^https?:\/\//i.test(term.value)) {  // only web IRIs become links: never javascript:, data:, ...
        const a = document.createElement("a");
        a.href = term.value; a.textContent = term.value; a.rel = "noopener noreferrer"; a.target = "_blank";
        td.appendChild(a);
      } else {
        const span = document.createElement("span");
        span.className = "plain"; span.textContent = term.value;
        td.appendChild(span);
      }
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value;
      const note = term["xml:lang"] ? ["lang", "@" + term["xml:lang"]]
        : term.datatype ? ["datatype", "^^" + term.datatype.replace(/^.*[#/]/, "")] : null;
      if (note) {
        const span = document.createElement("span");
        span.className = note[0]; span.textContent = note[1];
        td.appendChild(span);
      }
    }
    return td;
  }

  function showTable(vars, rows) {
    const thead = $("results").tHead, tbody = $("results").tBodies[0];
    thead.replaceChildren(); tbody.replaceChildren();
    const head = document.createElement("tr");
    for (const v of vars) {
      const th = document.createElement("th");
      th.textContent = v; th.scope = "col";
      head.appendChild(th);
    }
    thead.appendChild(head);
    const fragment = document.createDocumentFragment();
    for (const row of rows) {
      const tr = document.createElement("tr");
      for (const v of vars) tr.appendChild(cell(row[v]));
      fragment.appendChild(tr);
    }
    tbody.appendChild(fragment);
  }

  function clearResults() {
    $("results").tHead.replaceChildren();
    $("results").tBodies[0].replaceChildren();
    showGraph({ nodes: new Map(), edges: [] });
    setDownloads(null, null);
  }

  function setDownloads(kind, query) {
    state.last = kind ? { kind, query } : null;
    const select = $("download-format");
    select.replaceChildren();
    for (const [type, label, extension] of (kind ? DOWNLOADS[kind] : [])) {
      const option = document.createElement("option");
      option.value = type; option.textContent = label; option.dataset.extension = extension;
      select.appendChild(option);
    }
    select.disabled = $("download").disabled = !kind;
  }

  async function download() {
    if (!state.last) return;
    const option = $("download-format").selectedOptions[0];
    if (!option) return;
    $("download").disabled = true;
    try {
      const response = await fetch(ENDPOINT, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: option.value },
        body: new URLSearchParams({ query: state.last.query }),
      });
      const blob = await response.blob();
      if (!response.ok) throw new Error(`${response.status}: ${(await blob.text()).trim()}`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url; a.download = "results." + option.dataset.extension;
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      setStatus("download failed: " + error.message, true);
    } finally {
      $("download").disabled = !state.last;
    }
  }

  function showGraph(graph) {
    state.graph = graph;
    if (!$("graph-view").hidden) view.show(graph);
  }

  function selectTab(which) {
    const graph = which === "graph";
    $("tab-table").setAttribute("aria-selected", String(!graph));
    $("tab-graph").setAttribute("aria-selected", String(graph));
    $("table-view").hidden = graph;
    $("graph-view").hidden = !graph;
    if (graph && state.graph) view.show(state.graph);
  }

  async function run() {
    if (state.running) return;
    const text = $("query").value;
    if (!text.trim()) { setStatus("write a query first", true); return; }
    state.running = true;
    $("run").disabled = true;
    setStatus("running…");
    const started = performance.now();
    try {
      const response = await fetch(ENDPOINT, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, application/n-triples;q=0.9",
        },
        body: new URLSearchParams({ query: text }),
      });
      const body = await response.text();
      if (!response.ok) throw new Error(`${response.status}: ${body.trim()}`);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const cut = response.headers.get("X-KG-Truncated");
      const note = cut ? ` — cut at the server's result limit of ${cut}` : "";
      const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
      if (type === "application/n-triples") {
        const triples = window.kgParseNTriples(body);
        showTable(["s", "p", "o"], triples);
        showGraph(window.kgGraph.fromTriples(triples));
        setStatus(`${triples.length} triple${triples.length === 1 ? "" : "s"} in ${seconds} s${note}`);
        setDownloads("graph", text);
      } else {
        const doc = JSON.parse(body);
        if ("boolean" in doc) {
          showTable(["answer"], [{ answer: { type: "literal", value: String(doc.boolean) } }]);
          showGraph({ nodes: new Map(), edges: [] });
          setStatus(`answer: ${doc.boolean} (${seconds} s)`);
          setDownloads("select", text);
        } else {
          const vars = doc.head.vars, rows = doc.results.bindings;
          showTable(vars, rows);
          showGraph(window.kgGraph.fromRows(vars, rows));
          setStatus(`${rows.length} row${rows.length === 1 ? "" : "s"} in ${seconds} s${note}`);
          setDownloads("select", text);
        }
      }
    } catch (error) {
      clearResults();  // no table of an earlier query under this one's error
      setStatus(error.message, true);
    } finally {
      state.running = false;
      $("run").disabled = false;
    }
  }

  $("endpoint").textContent = new URL(ENDPOINT, location.href).href;
  $("named").addEventListener("change", pick);
  $("run").addEventListener("click", run);
  $("download").addEventListener("click", download);
  $("query").addEventListener("keydown", event => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  $("tab-table").addEventListener("click", () => selectTab("table"));
  $("tab-graph").addEventListener("click", () => selectTab("graph"));
  loadQueries();
})();
