// The Hono environment shared by every route: Worker bindings plus what middleware puts on the context.
import type { Identity } from "./auth/identity.ts";
import type { GatewayConfig } from "./config.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: GatewayConfig;
    identity: Identity;
  };
}
