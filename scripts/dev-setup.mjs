// Prepares local development before `wrangler dev`: creates .dev.vars with fresh secrets on first run, then
// applies D1 migrations to the local database. Safe to run any number of times.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

const DEV_VARS = ".dev.vars";

if (!existsSync(DEV_VARS)) {
  const lines = [
    "# Local development settings and secrets, created by `npm start`. Not committed; delete it to start afresh.",
    `JWT_SECRET=${randomBytes(32).toString("base64url")}`,
    `ENCRYPTION_KEY=${randomBytes(32).toString("base64")}`,
    "# Local upstreams (127.0.0.1, plain http) are fine on your own machine; production refuses them.",
    "ALLOW_PRIVATE_UPSTREAMS=true",
    "ALLOW_HTTP_UPSTREAMS=true",
    "# The MCP Inspector's default origin, so it can connect from the browser.",
    "CORS_ALLOWED_ORIGINS=http://localhost:6274",
    "",
  ];
  writeFileSync(DEV_VARS, lines.join("\n"), { mode: 0o600 });
  console.error(`helmet: created ${DEV_VARS} with new development secrets`);
}

// stdin is not a terminal, so wrangler applies the migrations without asking for confirmation.
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: ["ignore", "inherit", "inherit"],
});
if (migrate.status !== 0) {
  console.error("helmet: applying local D1 migrations failed (see above)");
  process.exit(migrate.status ?? 1);
}
