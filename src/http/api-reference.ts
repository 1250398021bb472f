// GET /api/docs: an interactive reference for the REST API, rendered in the browser from the public OpenAPI
// document. Self-contained (no CDN, no third-party UI code) and served under a CSP that allows only its own files.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { REFERENCE_SCRIPT } from "./api-reference-script.ts";
import { OPENAPI_PATH } from "./openapi-document.ts";

/** Where app.ts mounts this sub-app; the page names its assets by absolute path. */
const BASE = "/api/docs";

export const REFERENCE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Helmet API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${BASE}/reference.css">
<script src="${BASE}/reference.js" defer></script>
</head>
<body>
<main id="reference"><p class="muted">Loading the API description&hellip;</p></main>
<noscript><p>This page needs JavaScript. The API description itself is at
<a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</p></noscript>
</body>
</html>
`;

const STYLESHEET = `:root {
  color-scheme: light dark;
  --fg: #1d2330; --muted: #667085; --bg: #ffffff; --panel: #f5f7fa; --line: #d9dee7; --accent: #2f5bd3;
  --get: #1f7a4d; --post: #2f5bd3; --patch: #9a6700; --put: #9a6700; --delete: #c0352b; --other: #6e6e6e;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ef; --muted: #98a2b3; --bg: #14171c; --panel: #1d2129; --line: #323844; --accent: #8aa8ff; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem; }
code, pre, textarea, .path { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.9em; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem;
  overflow: auto; max-height: 28rem; white-space: pre-wrap; word-break: break-word; }
h1 { margin: 0 0 0.5rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 0.3rem; margin-top: 2rem; }
h4 { margin: 1rem 0 0.4rem; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.prose p { margin: 0.3rem 0; white-space: pre-line; }
.prose ul { margin: 0.3rem 0; padding-left: 1.2rem; }
.version { font-size: 0.5em; color: var(--muted); margin-left: 0.6rem; font-weight: normal; }
.toolbar { position: sticky; top: 0; z-index: 1; background: var(--bg); border-bottom: 1px solid var(--line);
  padding: 0.6rem 0; display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center; }
.toolbar p { margin: 0; flex-basis: 100%; font-size: 0.85em; }
.field { display: inline-flex; gap: 0.4rem; align-items: center; flex-wrap: wrap; margin: 0.2rem 1rem 0.2rem 0; }
.field.wide { display: flex; }
.field.wide textarea { flex-basis: 100%; }
input, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line);
  border-radius: 5px; padding: 0.3rem 0.5rem; }
input[type="password"], input[type="search"] { min-width: 18rem; }
textarea { width: 100%; }
button { cursor: pointer; background: var(--panel); }
button[type="submit"] { background: var(--accent); border-color: var(--accent); color: #fff; padding: 0.3rem 1.2rem; }
button:disabled { opacity: 0.6; cursor: progress; }
.layout { display: grid; grid-template-columns: 12rem 1fr; gap: 1.5rem; }
nav ul { list-style: none; padding: 0; position: sticky; top: 6rem; }
nav li { margin: 0.2rem 0; }
@media (max-width: 800px) { .layout { grid-template-columns: 1fr; } nav { display: none; } }
.op { border: 1px solid var(--line); border-radius: 6px; margin: 0.5rem 0; background: var(--bg); }
.op > summary { cursor: pointer; padding: 0.45rem 0.6rem; display: flex; gap: 0.7rem; align-items: baseline;
  flex-wrap: wrap; }
.op[open] > summary { border-bottom: 1px solid var(--line); background: var(--panel); }
.op-body { padding: 0.2rem 1rem 1rem; }
.method { font-weight: 700; font-size: 0.8em; min-width: 4.2rem; text-align: center; color: #fff;
  border-radius: 4px; padding: 0.05rem 0.4rem; background: var(--other); }
.m-get { background: var(--get); } .m-post { background: var(--post); } .m-patch, .m-put { background: var(--patch); }
.m-delete { background: var(--delete); }
.path { font-weight: 600; word-break: break-all; }
.summary { color: var(--muted); }
.deprecated { color: var(--delete); font-size: 0.8em; text-transform: uppercase; }
.required { color: var(--delete); font-size: 0.75em; margin-left: 0.4rem; text-transform: uppercase; }
.type { color: var(--accent); font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85em;
  margin-left: 0.3rem; }
.limits { color: var(--muted); font-size: 0.8em; }
table.params { border-collapse: collapse; width: 100%; }
.params th, .params td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line);
  padding: 0.3rem 0.5rem; }
.props { list-style: none; padding-left: 1rem; border-left: 2px solid var(--line); margin: 0.3rem 0; }
.props > li { margin: 0.35rem 0; }
.example { margin: 0.3rem 0; font-size: 0.9em; }
details.example > summary, details.schema > summary { cursor: pointer; color: var(--muted); }
.response { margin: 0.5rem 0 0.8rem; }
.response-head { display: flex; gap: 0.6rem; align-items: baseline; }
.status { font-weight: 700; font-family: ui-monospace, Menlo, Consolas, monospace; }
.s2 { color: var(--get); } .s3 { color: var(--patch); } .s4, .s5 { color: var(--delete); }
.codes code { margin-right: 0.5rem; }
.try { margin-top: 1rem; border-top: 1px dashed var(--line); padding-top: 0.3rem; }
.result { margin-top: 0.6rem; }
.status-line { font-size: 1.05em; }
.error { color: var(--delete); }
dl.headers { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; font-size: 0.85em; }
dl.headers dt { color: var(--muted); } dl.headers dd { margin: 0; word-break: break-all; }
`;

const SECURITY_HEADERS = {
  "content-security-policy": REFERENCE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Assets change only with a deploy: a short cache keeps reloads cheap without pinning an old script for long. */
const ASSET_CACHE = "public, max-age=300";

function serve(body: string, contentType: string, cacheControl: string): Response {
  return new Response(body, {
    headers: { ...SECURITY_HEADERS, "content-type": contentType, "cache-control": cacheControl },
  });
}

export const apiReference = new Hono<AppEnv>();

apiReference.get("/", () => serve(PAGE, "text/html; charset=utf-8", "no-cache"));
apiReference.get("/reference.js", () =>
  serve(REFERENCE_SCRIPT, "text/javascript; charset=utf-8", ASSET_CACHE),
);
apiReference.get("/reference.css", () => serve(STYLESHEET, "text/css; charset=utf-8", ASSET_CACHE));
