// The first half of the API reference page's script (see api-reference-script.ts, which wraps both halves in one
// closure): reading the OpenAPI document (local $refs, examples) and rendering its parts — prose, types, schemas,
// parameters, responses — as DOM built from text nodes, never from HTML.

// String.raw keeps the script's backslashes as written; the script must not use backticks or "${" itself.
export const DOCUMENT_VIEWS_SCRIPT = String.raw`
  /** The OpenAPI document being rendered; set once it has loaded. */
  let spec = {};

  /** Builds an element. Attribute names come from this script; children that are not nodes become text. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (typeof value === "function") el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /** A line with the document's markdown code spans as <code> elements. */
  const inline = (line) => line.split("\x60").map((part, i) => (i % 2 ? h("code", null, part) : part));

  /** Paragraphs of text as <p>, and paragraphs whose every line starts with "- " as a list. */
  function prose(text, cls) {
    return h("div", { class: cls || "prose" }, String(text).split(/\n\s*\n/).map((para) => {
      const lines = para.split("\n");
      return lines.every((line) => line.startsWith("- "))
        ? h("ul", null, lines.map((line) => h("li", null, inline(line.slice(2)))))
        : h("p", null, inline(para));
    }));
  }

  const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
  const show = (value) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));

  /** The node a local "#/..." reference points at, or undefined. */
  function lookup(ref) {
    if (typeof ref !== "string" || !ref.startsWith("#/")) return undefined;
    let node = spec;
    for (const raw of ref.slice(2).split("/")) {
      const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
      node = node[key];
    }
    return node;
  }

  /** Follows $refs (a bounded number of hops) to the object they name; {} when they lead nowhere. */
  function resolve(value) {
    let node = value;
    for (let hops = 0; isObject(node) && typeof node.$ref === "string" && hops < 20; hops++) node = lookup(node.$ref);
    return isObject(node) && node.$ref === undefined ? node : {};
  }

  const refName = (ref) => String(ref).split("/").pop();

  /** A one-line type, such as "array of Server", "integer | null" or "\"allow\" | \"deny\"". */
  function typeLabel(schema, depth) {
    const d = (depth || 0) + 1;
    if (!isObject(schema) || d > 6) return "any";
    if (typeof schema.$ref === "string") {
      const target = resolve(schema);
      const structured = target.properties || target.type === "object" || target.items || target.oneOf ||
        target.anyOf || target.allOf;
      return structured ? refName(schema.$ref) : refName(schema.$ref) + " (" + typeLabel(target, d) + ")";
    }
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    for (const key of ["oneOf", "anyOf"]) {
      if (Array.isArray(schema[key])) return schema[key].map((v) => typeLabel(v, d)).join(" | ");
    }
    if (Array.isArray(schema.allOf)) return schema.allOf.map((v) => typeLabel(v, d)).join(" & ");
    const types = [].concat(schema.type || (schema.properties ? "object" : "any"));
    const label = types.map((t) => (t === "array" ? "array of " + typeLabel(schema.items, d) : String(t)));
    return label.join(" | ") + (schema.format ? " (" + schema.format + ")" : "") + (schema.nullable ? " | null" : "");
  }

  const LIMITS = [["minimum", ">= "], ["maximum", "<= "], ["exclusiveMinimum", "> "], ["exclusiveMaximum", "< "],
    ["minLength", "min length "], ["maxLength", "max length "], ["minItems", "min items "],
    ["maxItems", "max items "], ["pattern", "pattern "], ["default", "default "]];

  function limits(schema) {
    const text = LIMITS.filter(([key]) => schema[key] !== undefined)
      .map(([key, label]) => label + (key === "pattern" ? schema[key] : JSON.stringify(schema[key])))
      .join(", ");
    return text ? h("span", { class: "limits" }, text) : null;
  }

  /** The first example a parameter or schema gives, or undefined. */
  function exampleOf(node) {
    const item = resolve(node);
    if (item.example !== undefined) return item.example;
    if (isObject(item.examples)) {
      const first = Object.values(item.examples).map(resolve).find((e) => e.value !== undefined);
      if (first) return first.value;
    }
    if (Array.isArray(item.examples) && item.examples.length) return item.examples[0];
    return item.schema ? exampleOf(item.schema) : undefined;
  }

  /** The nested structure of a schema (properties, items, variants), or null for a plain value. */
  function schemaTree(schema, seen) {
    const s = resolve(schema);
    if (isObject(schema) && typeof schema.$ref === "string") {
      if (seen.includes(schema.$ref)) return h("div", { class: "muted" }, refName(schema.$ref) + ", as above");
      seen = seen.concat(schema.$ref);
    }
    const variants = s.oneOf || s.anyOf || s.allOf;
    if (Array.isArray(variants)) {
      // "X or null" (how nullable fields are written) shows X's structure; the type label already says "| null".
      const nonNull = variants.filter((v) => !(isObject(v) && v.type === "null"));
      if (nonNull.length === 1 && !s.allOf) return schemaTree(nonNull[0], seen);
      return h("div", { class: "variants" }, h("span", { class: "muted" }, s.allOf ? "All of:" : "One of:"),
        h("ol", null, variants.map((v) => h("li", null, h("span", { class: "type" }, typeLabel(v)),
          schemaTree(v, seen)))));
    }
    if ([].concat(s.type).includes("array")) return s.items ? schemaTree(s.items, seen) : null;
    const extra = isObject(s.additionalProperties) ? s.additionalProperties : null;
    if (!isObject(s.properties) && !extra) return null;
    const required = Array.isArray(s.required) ? s.required : [];
    const rows = Object.entries(s.properties || {}).map(([name, prop]) =>
      propertyRow(name, prop, required.includes(name), seen));
    if (extra) rows.push(propertyRow("(any name)", extra, false, seen));
    return h("ul", { class: "props" }, rows);
  }

  function propertyRow(name, prop, required, seen) {
    const target = resolve(prop);
    const description = (isObject(prop) && prop.description) || target.description;
    const example = exampleOf(prop);
    return h("li", null, h("code", { class: "name" }, name), " ", h("span", { class: "type" }, typeLabel(prop)),
      required ? h("span", { class: "required" }, "required") : null, " ", limits(target),
      description ? prose(description) : null,
      example !== undefined
        ? h("div", { class: "example" }, "Example: ", h("code", null, JSON.stringify(example))) : null,
      schemaTree(prop, seen));
  }

  /** The JSON entry of a content map (or its first entry), as { type, media }. */
  function jsonContent(content) {
    if (!isObject(content)) return null;
    const types = Object.keys(content);
    const type = types.find((t) => t === "application/json") || types.find((t) => t.includes("json")) || types[0];
    return type === undefined ? null : { type, media: resolve(content[type]) };
  }

  /** [label, value] pairs for a media type's examples. */
  function examplesOf(media) {
    if (media.example !== undefined) return [["", media.example]];
    if (isObject(media.examples)) {
      return Object.entries(media.examples).map(([name, raw]) => {
        const e = resolve(raw);
        return [e.summary || name, e.value];
      }).filter(([, value]) => value !== undefined);
    }
    const fromSchema = exampleOf(media.schema);
    return fromSchema === undefined ? [] : [["", fromSchema]];
  }

  /** The error codes a response documents: in its examples' error.code, or an enum on error.code. */
  function errorCodes(media) {
    const codes = examplesOf(media).map(([, value]) => isObject(value) && isObject(value.error) && value.error.code);
    const code = resolve(resolve(resolve(media.schema).properties?.error).properties?.code);
    return [...new Set(codes.concat(code.enum || [], code.const || []).filter((c) => typeof c === "string"))];
  }

  function statusClass(status) {
    return /^[1-5]/.test(String(status)) ? "status s" + String(status)[0] : "status";
  }

  function responsesView(responses) {
    return Object.entries(isObject(responses) ? responses : {}).map(([status, raw]) => {
      const response = resolve(raw);
      const body = jsonContent(response.content);
      const codes = body ? errorCodes(body.media) : [];
      return h("div", { class: "response" },
        h("div", { class: "response-head" }, h("span", { class: statusClass(status) }, status),
          response.description ? prose(response.description) : null),
        codes.length ? h("div", { class: "codes" }, "Error codes: ", codes.map((c) => h("code", null, c))) : null,
        isObject(response.headers) ? h("dl", { class: "headers" }, Object.entries(response.headers).map(([name, raw]) =>
          [h("dt", null, name), h("dd", null, resolve(raw).description ? prose(resolve(raw).description) : null)]))
          : null,
        body && body.media.schema ? h("details", { class: "schema" },
          h("summary", null, body.type + ": " + typeLabel(body.media.schema)), schemaTree(body.media.schema, [])) : null,
        body ? examplesOf(body.media).map(([label, value]) =>
          h("details", { class: "example", open: /^2/.test(status) },
            h("summary", null, label ? "Example: " + label : "Example"), h("pre", null, show(value)))) : null);
    });
  }

  function paramsTable(params) {
    return h("table", { class: "params" },
      h("thead", null, h("tr", null, ["Name", "In", "Type", "Description", "Example"].map((t) => h("th", null, t)))),
      h("tbody", null, params.map((p) => {
        const schema = isObject(p.schema) ? p.schema : {};
        const description = p.description || resolve(schema).description;
        const example = exampleOf(p);
        return h("tr", null,
          h("td", null, h("code", null, p.name), p.required ? h("span", { class: "required" }, "required") : null),
          h("td", null, p.in),
          h("td", null, h("span", { class: "type" }, typeLabel(schema)), " ", limits(resolve(schema))),
          h("td", null, description ? prose(description) : null),
          h("td", null, example === undefined ? null : h("code", null, JSON.stringify(example))));
      })));
  }

  /** A value that satisfies a schema as far as cheaply possible: examples first, then required fields. */
  function sample(schema, depth) {
    const s = resolve(schema);
    if (depth > 6) return null;
    const given = exampleOf(s);
    if (given !== undefined) return given;
    for (const key of ["default", "const"]) if (s[key] !== undefined) return s[key];
    if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
    const variants = s.oneOf || s.anyOf;
    if (Array.isArray(variants) && variants.length) {
      return sample(variants.find((v) => !(isObject(v) && v.type === "null")) || variants[0], depth + 1);
    }
    if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((v) => sample(v, depth + 1)).filter(isObject));
    const type = [].concat(s.type).find((t) => t !== "null") || (s.properties ? "object" : undefined);
    if (type === "object") {
      const out = Object.create(null);
      const required = Array.isArray(s.required) ? s.required : [];
      for (const [name, prop] of Object.entries(s.properties || {})) {
        if (required.includes(name)) out[name] = sample(prop, depth + 1);
      }
      return out;
    }
    if (type === "array") return s.items ? [sample(s.items, depth + 1)] : [];
    if (type === "integer" || type === "number") return typeof s.minimum === "number" ? s.minimum : 0;
    return type === "boolean" ? false : type === "string" ? "" : null;
  }

`;
