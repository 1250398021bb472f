// A drizzle instance over the D1 binding. Create one per request; never share one across requests.
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

export function database(env: Env) {
  return drizzle(env.DB, { schema });
}

export type Database = ReturnType<typeof database>;
