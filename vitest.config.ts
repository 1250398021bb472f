import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from "./test/test-secrets.ts";

export default defineConfig({
  test: {
    projects: [
      {
        // Inside workerd, with the real Worker, local D1 and real upstreams on 127.0.0.1.
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            main: "./src/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                JWT_SECRET: TEST_JWT_SECRET,
                ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
                JWT_JWKS_URL: `${inject("probeUrl")}/.well-known/jwks.json`,
                // The probe server stands in for api.osv.dev, npm's registry and PyPI, which are out of reach here.
                OSV_API_URL: `${inject("probeUrl")}/osv`,
                NPM_REGISTRY_URL: `${inject("probeUrl")}/registry/npm`,
                PYPI_URL: `${inject("probeUrl")}/registry/pypi`,
                ALLOW_PRIVATE_UPSTREAMS: "true",
                ALLOW_HTTP_UPSTREAMS: "true",
                CORS_ALLOWED_ORIGINS: "https://app.example.com",
                SERVER_CACHE_TTL_MS: "0",
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
              },
              // The events queue delivers within 50 ms here (1 s in wrangler.toml), so tests see logs quickly.
              queueConsumers: { "helmet-events": { maxBatchTimeout: 0.05 } },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts", "test/core/**/*.test.ts"],
          globalSetup: ["./test/worker/global-setup.ts"],
          setupFiles: ["./test/worker/apply-migrations.ts"],
        },
      },
      {
        // The helmet CLI (built by npm install), spawned by the official SDK client around real stdio servers.
        test: {
          name: "bridge",
          include: ["test/bridge/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        // A real `wrangler dev` gateway, server-everything and the official MCP SDK client, all in Node.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
