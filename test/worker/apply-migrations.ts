// Applies the D1 migrations to each test file's database, exactly as wrangler applies them.
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
