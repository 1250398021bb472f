// The API reference page's browser script, served as /api/docs/reference.js: it fetches the OpenAPI document and
// renders it (with the views of api-reference-document-script.ts) plus the filter, the token field and the "try it"
// forms. Plain ES2020 kept as text, since the Worker's types have no DOM; the e2e test runs it in Chromium. Every
// string from the document or a response reaches the page as a text node, never as HTML.
import { DOCUMENT_VIEWS_SCRIPT } from "./api-reference-document-script.ts";
import { OPENAPI_PATH } from "./openapi-document.ts";

// String.raw keeps the script's backslashes as written; the script must not use backticks or "${" itself.
export const REFERENCE_SCRIPT = String.raw`"use strict";
(() => {
  const SPEC_URL = ${JSON.stringify(OPENAPI_PATH)};
  const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];
  const HEADERS_SHOWN = ["content-type", "location", "www-authenticate", "retry-after", "etag", "cache-control",
    "content-disposition", "mcp-session-id", "mcp-protocol-version"];
  const BODY_LIMIT = 256 * 1024;
  const TIMEOUT_MS = 30000;
  // The token lives in this closure for the page's lifetime only: never in storage, never in the URL.
  let token = "";
${DOCUMENT_VIEWS_SCRIPT}

  /** Reads at most BODY_LIMIT bytes of a response body as text; a stream that outlives the timeout is cut off. */
  async function readBody(response) {
    if (!response.body) return { text: "", note: null };
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { text: text + decoder.decode(), note: null };
        size += value.byteLength;
        text += decoder.decode(value, { stream: true });
        if (size > BODY_LIMIT) {
          await reader.cancel();
          return { text, note: "Only the first " + BODY_LIMIT + " bytes are shown." };
        }
      }
    } catch (error) {
      return { text, note: "The body was cut off: " + (error && error.message ? error.message : String(error)) };
    }
  }

  function resultView(response, body, ms) {
    let parsed;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      parsed = undefined;
    }
    const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : null;
    const headers = HEADERS_SHOWN.filter((name) => response.headers.has(name));
    return h("div", { class: "answer" },
      h("div", { class: "status-line" }, h("span", { class: statusClass(response.status) }, response.status), " ",
        response.statusText, h("span", { class: "muted" }, " " + ms + " ms")),
      error && error.code !== undefined
        ? h("p", { class: "error" }, h("code", null, show(error.code)), " ", show(error.message ?? "")) : null,
      headers.length ? h("dl", { class: "headers" }, headers.map((name) =>
        [h("dt", null, name), h("dd", null, response.headers.get(name))])) : null,
      h("pre", { class: "body" }, parsed === undefined ? body.text : JSON.stringify(parsed, null, 2)),
      body.note ? h("p", { class: "muted" }, body.note) : null);
  }

  /** Sends one "try it" request built from the form's fields; renders the answer or why it was not sent. */
  async function send({ method, path, fields, bodyField, accept }, out) {
    let url = path;
    const query = new URLSearchParams();
    const headers = new Headers();
    for (const { param, input } of fields) {
      const value = input.value;
      if (param.in === "path") {
        if (value === "") throw new Error("The path parameter " + param.name + " is required.");
        url = url.split("{" + param.name + "}").join(encodeURIComponent(value));
      } else if (value !== "" && param.in === "query") {
        query.append(param.name, value);
      } else if (value !== "") {
        headers.set(param.name, value);
      }
    }
    if (token) headers.set("authorization", "Bearer " + token);
    if (!headers.has("accept") && accept.length) headers.set("accept", accept.join(", "));
    let body;
    if (bodyField && bodyField.input.value.trim() !== "") {
      try {
        JSON.parse(bodyField.input.value);
      } catch (error) {
        throw new Error("The body is not valid JSON: " + error.message);
      }
      body = bodyField.input.value;
      headers.set("content-type", bodyField.type);
    }
    // Only this gateway's own paths are tried (the CSP would block others too): the token goes nowhere else.
    if (!url.startsWith("/") || url.startsWith("//")) throw new Error("Only paths on this gateway can be tried.");
    const search = query.toString();
    out.replaceChildren(h("p", { class: "muted" }, "Sending " + method.toUpperCase() + " " + url + "..."));
    const started = performance.now();
    const response = await fetch(search ? url + "?" + search : url, {
      method: method.toUpperCase(), headers, body, credentials: "omit", cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await readBody(response);
    out.replaceChildren(resultView(response, text, Math.round(performance.now() - started)));
  }

  /** The media types an operation's responses come in, for the Accept header (MCP endpoints insist on it). */
  function acceptedTypes(responses) {
    const all = Object.values(isObject(responses) ? responses : {});
    const types = all.flatMap((response) => Object.keys(resolve(response).content || {}));
    return [...new Set(types)];
  }

  function tryIt(method, path, op, params) {
    const fields = params.filter((p) => ["path", "query", "header"].includes(p.in)).map((param) => {
      const example = exampleOf(param);
      const input = h("input", { type: "text", name: param.name, spellcheck: "false", autocomplete: "off",
        value: example === undefined ? null : show(example), placeholder: typeLabel(param.schema) });
      const label = h("label", { class: "field" }, h("span", null, param.name + (param.required ? " *" : "")),
        h("span", { class: "muted" }, param.in), input);
      return { param, input, label };
    });
    const requestBody = jsonContent(resolve(op.requestBody).content);
    const bodyField = requestBody ? {
      type: requestBody.type,
      input: h("textarea", { rows: 8, spellcheck: "false", "aria-label": "Request body" },
        show(exampleOf(requestBody.media) ?? sample(requestBody.media.schema, 0))),
    } : null;
    const out = h("div", { class: "result", "aria-live": "polite" });
    const button = h("button", { type: "submit" }, "Send");
    const submit = (event) => {
      event.preventDefault();
      button.disabled = true;
      send({ method, path, fields, bodyField, accept: acceptedTypes(op.responses) }, out)
        .catch((error) => out.replaceChildren(h("p", { class: "error" }, "Not sent or no answer: " +
          (error && error.message ? error.message : String(error)))))
        .finally(() => { button.disabled = false; });
    };
    return h("form", { class: "try", onsubmit: submit }, h("h4", null, "Try it"), fields.map((f) => f.label),
      bodyField ? h("label", { class: "field wide" }, h("span", null, "Body"), h("span", { class: "muted" },
        bodyField.type), bodyField.input) : null, h("div", null, button), out);
  }

  /** Path-level parameters overridden by the operation's own (same name and location). */
  function parametersOf(pathItem, op) {
    const merged = new Map();
    for (const raw of [].concat(pathItem.parameters || [], op.parameters || [])) {
      const p = resolve(raw);
      if (typeof p.name === "string") merged.set(p.in + " " + p.name, p);
    }
    return [...merged.values()];
  }

  function operationView(method, path, pathItem, op) {
    const params = parametersOf(pathItem, op);
    const requestBody = resolve(op.requestBody);
    const body = jsonContent(requestBody.content);
    const isPublic = Array.isArray(op.security) && op.security.length === 0;
    const title = op.summary || op.operationId || "";
    const el = h("details", { class: "op", "data-op": method.toUpperCase() + " " + path },
      h("summary", null, h("span", { class: "method m-" + method }, method.toUpperCase()),
        h("code", { class: "path" }, path), h("span", { class: "summary" }, title),
        op.deprecated ? h("span", { class: "deprecated" }, "deprecated") : null),
      h("div", { class: "op-body" },
        op.description ? prose(op.description) : null,
        isPublic ? h("p", { class: "muted" }, "Public: no token needed.") : null,
        params.length ? [h("h4", null, "Parameters"), paramsTable(params)] : null,
        body ? [h("h4", null, "Request body" + (requestBody.required ? " (required)" : "")),
          requestBody.description ? prose(requestBody.description) : null,
          h("div", { class: "muted" }, body.type + ": " + typeLabel(body.media.schema)),
          schemaTree(body.media.schema, [])] : null,
        h("h4", null, "Responses"), responsesView(op.responses),
        tryIt(method, path, op, params)));
    const haystack = [method, path, title, op.operationId || ""].join(" ").toLowerCase();
    return { el, haystack };
  }

  /** Operations grouped by their first tag, in the document's tag order; untagged ones last. */
  function groups() {
    const byTag = new Map();
    const tags = Array.isArray(spec.tags) ? spec.tags.filter((t) => isObject(t) && typeof t.name === "string") : [];
    for (const tag of tags) byTag.set(tag.name, { tag, ops: [] });
    for (const [path, rawItem] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
      const pathItem = resolve(rawItem);
      for (const method of METHODS) {
        const op = pathItem[method];
        if (!isObject(op)) continue;
        const name = Array.isArray(op.tags) && typeof op.tags[0] === "string" ? op.tags[0] : "Other";
        if (!byTag.has(name)) byTag.set(name, { tag: { name }, ops: [] });
        byTag.get(name).ops.push(operationView(method, path, pathItem, op));
      }
    }
    return [...byTag.values()].filter((group) => group.ops.length > 0);
  }

  function render(root) {
    const info = isObject(spec.info) ? spec.info : {};
    if (info.title) document.title = String(info.title);
    const sections = groups().map((group, index) => ({
      ops: group.ops,
      el: h("section", { class: "tag", id: "tag-" + index }, h("h2", null, group.tag.name),
        group.tag.description ? prose(group.tag.description, "prose tag-description") : null,
        group.ops.map((op) => op.el)),
      link: h("li", null, h("a", { href: "#tag-" + index }, group.tag.name)),
    }));
    const total = sections.reduce((n, s) => n + s.ops.length, 0);
    const count = h("span", { class: "muted", id: "count" }, total + " operations");
    const filter = (event) => {
      const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const section of sections) {
        let any = false;
        for (const op of section.ops) {
          op.el.hidden = !words.every((w) => op.haystack.includes(w));
          any = any || !op.el.hidden;
          shown += op.el.hidden ? 0 : 1;
        }
        section.el.hidden = !any;
        section.link.hidden = !any;
      }
      count.textContent = shown === total ? total + " operations" : shown + " of " + total + " operations";
    };
    const tokenInput = h("input", { type: "password", id: "token", autocomplete: "off", spellcheck: "false",
      placeholder: "JWT or hlm_ API token", oninput: (event) => { token = event.target.value.trim(); } });
    const forget = () => { tokenInput.value = ""; token = ""; };
    root.replaceChildren(
      h("header", null, h("h1", null, info.title || "API reference",
        info.version ? h("span", { class: "version" }, "v" + info.version) : null),
        info.description ? prose(info.description) : null,
        h("p", { class: "muted" }, "From ", h("code", null, SPEC_URL), ".")),
      h("div", { class: "toolbar" },
        h("label", { class: "field" }, h("span", null, "Bearer token"), tokenInput,
          h("button", { type: "button", onclick: forget }, "Forget")),
        h("label", { class: "field" }, h("span", null, "Filter"),
          h("input", { type: "search", id: "filter", placeholder: "path, method or summary", oninput: filter }),
          count),
        h("p", { class: "muted" }, "The token stays in this page's memory and is sent only with \"try it\" requests.")),
      h("div", { class: "layout" }, h("nav", null, h("ul", null, sections.map((s) => s.link))),
        h("div", { class: "operations" }, sections.map((s) => s.el))));
  }

  async function start() {
    const root = document.getElementById("reference");
    try {
      const response = await fetch(SPEC_URL, { credentials: "omit", signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok) throw new Error(SPEC_URL + " answered " + response.status);
      const body = await response.json();
      spec = isObject(body) ? body : {};
      render(root);
    } catch (error) {
      root.replaceChildren(h("p", { class: "error" }, "Could not load the API description: " +
        (error && error.message ? error.message : String(error))));
    }
  }

  start();
})();
`;
