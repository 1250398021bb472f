// The API reference page in a real browser (Chromium through playwright-core) against the real gateway: it renders
// the OpenAPI document, filters it, sends "try it" requests with the token typed in, and renders hostile text as
// text. Every test also fails on a console error, an uncaught exception or a CSP violation.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signToken } from "../support/local-stack.ts";

const gatewayUrl = inject("gatewayUrl");
const PAGE_URL = `${gatewayUrl}/api/docs`;
/** A team of its own, so the server this test registers cannot meet the other e2e tests' servers. */
const CLAIMS = { sub: "docs-reader", team: "api-reference-e2e", roles: ["admin"] };
const PAYLOAD = `<img src=x onerror="window.__pwned=1">`;

const CHROMIUM = "/usr/bin/chromium";
/**
 * CI installs Debian's Chromium (.ci/run), so these tests always run there. A machine without it skips them, with
 * this note, rather than failing `npm test`: installing a browser needs root, which `npm install` does not have.
 */
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`Skipping the API reference browser tests: no ${CHROMIUM} (apt-get install chromium).`);

let browser: Browser;

beforeAll(async () => {
  if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

afterAll(async () => {
  await browser?.close();
});

/** A fresh page that records what would be a bug: console errors, uncaught exceptions and CSP violations. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  await page.exposeFunction("reportViolation", (text: string) => problems.push(`csp: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { reportViolation(text: string): void }).reportViolation(
        `${event.violatedDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  return { page, problems };
}

/** Problems other than the console line Chromium writes for each HTTP error status a test provokes on purpose. */
function unexpected(problems: string[], expectedStatuses: number[] = []): string[] {
  return problems.filter(
    (problem) =>
      !expectedStatuses.some((status) =>
        problem.startsWith(
          `console: Failed to load resource: the server responded with a status of ${status}`,
        ),
      ),
  );
}

interface ServedDocument {
  info: { title: string };
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, { summary?: string }>>;
}

/** The OpenAPI document as the gateway serves it, without a token. */
async function servedDocument(): Promise<ServedDocument> {
  const response = await fetch(`${gatewayUrl}/api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return (await response.json()) as ServedDocument;
}

/** Opens an operation's panel, fills its fields, sends it and waits for the answer's status line. */
async function tryOperation(page: Page, op: string, fields: Record<string, string> = {}): Promise<string> {
  const panel = page.locator(`details[data-op="${op}"]`);
  if (!(await panel.evaluate((details: HTMLDetailsElement) => details.open)))
    await panel.locator("summary").first().click();
  for (const [name, value] of Object.entries(fields))
    await panel.locator(`input[name="${name}"]`).fill(value);
  await panel.getByRole("button", { name: "Send" }).click();
  const status = panel.locator(".result .status-line .status");
  await status.waitFor();
  return (await status.textContent()) ?? "";
}

describe.runIf(hasChromium)("API reference page in a browser", () => {
  it("lists the operations by tag, filters them, and tries them with the token typed in", async () => {
    const token = await signToken({ ...CLAIMS, secret: inject("jwtSecret") });
    const { page, problems } = await openPage();
    const response = await page.goto(PAGE_URL);
    expect(response?.status()).toBe(200);

    // What the page shows is what the gateway's document says (markdown code spans lose their backticks).
    const served = await servedDocument();
    const serversTag = served.tags.find((tag) => tag.name === "Servers");
    // The page fetches and renders the whole document first: on a loaded CI machine that takes more than a second.
    await expect
      .poll(() => page.locator("h1").textContent(), { timeout: 20_000 })
      .toContain(served.info.title);
    const listServers = page.locator('details[data-op="GET /api/v1/servers"]');
    await listServers.waitFor();
    expect(await listServers.locator(".summary").textContent()).toBe(
      served.paths["/api/v1/servers"]?.get?.summary,
    );
    const servers = page.locator("section.tag", { has: listServers });
    expect(await servers.locator("h2").textContent()).toBe("Servers");
    expect(await servers.locator(".tag-description").textContent()).toBe(
      serversTag?.description?.replace(/`/g, ""),
    );

    // The filter keeps the matching operations and the sections that hold them.
    const total = await page.locator("details.op").count();
    await page.locator("#filter").fill("/tokens");
    await expect.poll(() => listServers.isHidden()).toBe(true);
    expect(await page.locator('details[data-op="GET /api/v1/tokens"]').isVisible()).toBe(true);
    expect(await servers.isHidden()).toBe(true);
    expect(await page.locator("#count").textContent()).toMatch(new RegExp(`^\\d+ of ${total} operations$`));
    await page.locator("#filter").fill("");
    await expect.poll(() => listServers.isVisible()).toBe(true);

    await page.locator("#token").fill(token);

    // GET /api/v1/me: 200, with who the token is.
    expect(await tryOperation(page, "GET /api/v1/me")).toBe("200");
    const me = page.locator('details[data-op="GET /api/v1/me"] .result');
    expect(JSON.parse((await me.locator("pre.body").textContent()) ?? "")).toMatchObject({
      subject: "docs-reader",
      team: "api-reference-e2e",
    });
    expect(await me.locator("dl.headers").textContent()).toContain("application/json");

    // A path parameter that fails its schema: the gateway's 400 and its code, rendered.
    expect(await tryOperation(page, "GET /api/v1/servers/{name}", { name: "Not a name!" })).toBe("400");
    const refused = page.locator('details[data-op="GET /api/v1/servers/{name}"] .result');
    expect(await refused.locator("p.error").textContent()).toMatch(/^validation_failed Invalid request: /);
    expect(await refused.locator("pre.body").textContent()).toContain('"location": "path parameter"');

    // POST with the body prefilled from the documented example (the browser sends Origin: the gateway's own).
    const register = page.locator('details[data-op="POST /api/v1/servers"]');
    await register.locator("summary").first().click();
    const body = JSON.parse(await register.locator("textarea").inputValue());
    expect(body).toMatchObject({ name: expect.any(String), url: expect.any(String) });
    expect(await tryOperation(page, "POST /api/v1/servers")).toBe("201");
    expect(await register.locator(".result dl.headers").textContent()).toContain(
      `/api/v1/servers/${body.name}`,
    );

    // No value the script meant to leave out was rendered as text instead (a type or a code may well be "null").
    const strays = await page.evaluate(() => {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const found: string[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? "";
        if (
          /^(null|undefined|\[object Object\])$/.test(text) &&
          !node.parentElement?.matches(".type, code")
        ) {
          found.push(node.parentElement?.outerHTML.slice(0, 200) ?? text);
        }
      }
      return found;
    });
    expect(strays).toEqual([]);

    // The token was only ever in memory: not in storage, cookies or the address.
    const stored = await page.evaluate(() =>
      JSON.stringify([
        Object.entries(localStorage),
        Object.entries(sessionStorage),
        document.cookie,
        location.href,
      ]),
    );
    expect(stored).not.toContain(token.slice(-20));
    expect(unexpected(problems, [400])).toEqual([]);
    await page.context().close();
  });

  it("answers an operation tried without a token with the 401 it documents", async () => {
    const { page, problems } = await openPage();
    await page.goto(PAGE_URL);
    expect(await tryOperation(page, "GET /api/v1/servers")).toBe("401");
    const result = page.locator('details[data-op="GET /api/v1/servers"] .result');
    expect(await result.locator("p.error").textContent()).toMatch(/^unauthorized /);
    expect(await result.locator("dl.headers").textContent()).toContain("resource_metadata=");
    expect(unexpected(problems, [401])).toEqual([]);
    await page.context().close();
  });

  it("renders markup in the document and in responses as text", async () => {
    const { page, problems } = await openPage();
    // The gateway serves its own document; a hostile one is substituted in the browser, as are the answers.
    await page.route("**/api/v1/openapi.json", (route) => route.fulfill({ json: hostileDocument() }));
    await page.route("**/api/v1/evil/**", (route) =>
      route.fulfill({ status: 200, contentType: "text/html", headers: { etag: PAYLOAD }, body: PAYLOAD }),
    );
    await page.goto(PAGE_URL);
    await expect.poll(() => page.locator("h1").textContent(), { timeout: 20_000 }).toBe(`Title ${PAYLOAD}v1`);
    expect(await page.locator("header .prose code").textContent()).toBe(`code ${PAYLOAD}`);
    expect(await page.locator("section.tag h2").textContent()).toBe(`Tag ${PAYLOAD}`);

    expect(await tryOperation(page, "GET /api/v1/evil/{id}")).toBe("200");
    const panel = page.locator('details[data-op="GET /api/v1/evil/{id}"]');
    expect(await panel.locator(".summary").textContent()).toBe(`Summary ${PAYLOAD}`);
    expect(await panel.locator(`input[name="id"]`).inputValue()).toBe(PAYLOAD);
    expect(await panel.locator("code.name").first().textContent()).toBe(PAYLOAD);
    expect(await panel.locator(".codes code").textContent()).toBe(PAYLOAD);
    expect(await panel.locator(".result pre.body").textContent()).toBe(PAYLOAD);
    expect(await panel.locator(".result dl.headers").textContent()).toContain(PAYLOAD);

    const text = (await page.locator("main").textContent()) ?? "";
    expect(text.split(PAYLOAD).length - 1).toBeGreaterThanOrEqual(10);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.evaluate(() => "__pwned" in window)).toBe(false);
    expect(unexpected(problems)).toEqual([]);
    await page.context().close();
  });
});

/** A document with markup in every string the page renders: titles, descriptions, names, examples, codes. */
function hostileDocument() {
  return {
    openapi: "3.1.0",
    info: { title: `Title ${PAYLOAD}`, version: "1", description: `Says \`code ${PAYLOAD}\`` },
    tags: [{ name: `Tag ${PAYLOAD}`, description: PAYLOAD }],
    paths: {
      "/api/v1/evil/{id}": {
        get: {
          tags: [`Tag ${PAYLOAD}`],
          summary: `Summary ${PAYLOAD}`,
          description: `- ${PAYLOAD}\n- \`${PAYLOAD}\``,
          parameters: [
            {
              name: "id",
              in: "path",
              required: true,
              description: PAYLOAD,
              schema: { type: "string", example: PAYLOAD },
            },
          ],
          responses: {
            "200": {
              description: PAYLOAD,
              headers: { [PAYLOAD]: { description: PAYLOAD, schema: { type: "string" } } },
              content: {
                "application/json": {
                  schema: { $ref: "#/components/schemas/Evil" },
                  examples: {
                    [PAYLOAD]: { summary: PAYLOAD, value: { error: { code: PAYLOAD, message: PAYLOAD } } },
                  },
                },
              },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Evil: {
          type: "object",
          description: PAYLOAD,
          properties: {
            [PAYLOAD]: { type: "string", description: PAYLOAD, example: PAYLOAD, pattern: PAYLOAD },
          },
          required: [PAYLOAD],
        },
      },
    },
  };
}
