// Parsing N-Triples (a CONSTRUCT or DESCRIBE answer) into SPARQL-JSON-like terms.
"use strict";
(function (global) {
  const TERM = /^(?:<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<([^>]*)>)?)\s*/;

  function unescape(text) {
    return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (all, u4, u8, c) => {
      if (u4 || u8) return String.fromCodePoint(parseInt(u4 || u8, 16));
      return { t: "\t", n: "\n", r: "\r", b: "\b", f: "\f", '"': '"', "'": "'", "\\": "\\" }[c] ?? all;
    });
  }

  function term(match) {
    if (match[1] !== undefined) return { type: "uri", value: unescape(match[1]) };
    if (match[2] !== undefined) return { type: "bnode", value: match[2] };
    const t = { type: "literal", value: unescape(match[3]) };
    if (match[4]) t["xml:lang"] = match[4];
    if (match[5]) t.datatype = match[5];
    return t;
  }

  // Returns [{s, p, o}] with terms shaped like SPARQL results JSON bindings.
  function parseNTriples(text) {
    const triples = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (!line || line.startsWith("#")) continue;
      const parts = [];
      for (let i = 0; i < 3; i++) {
        const m = TERM.exec(line);
        if (!m) throw new Error("cannot read N-Triples line: " + raw);
        parts.push(term(m));
        line = line.slice(m[0].length);
      }
      triples.push({ s: parts[0], p: parts[1], o: parts[2] });
    }
    return triples;
  }

  global.kgParseNTriples = parseNTriples;
})(window);
