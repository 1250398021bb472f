// Prints a development JWT the local gateway accepts, signed with JWT_SECRET from .dev.vars.
//   npm run token -- --sub alice --team acme --roles admin [--ttl 12h]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";

const usage = "usage: npm run token -- --sub NAME --team TEAM [--roles admin,member,viewer] [--ttl 12h]";

let values;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: "string" },
      team: { type: "string" },
      roles: { type: "string", default: "member" },
      ttl: { type: "string", default: "12h" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!values.sub || !values.team) {
  console.error(`--sub and --team are required\n${usage}`);
  process.exit(2);
}

function readVars(file) {
  try {
    const vars = {};
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
      if (match) vars[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
    }
    return vars;
  } catch {
    return null;
  }
}

function wranglerVar(name) {
  const toml = readFileSync("wrangler.toml", "utf8");
  return new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(toml)?.[1] ?? "";
}

const devVars = readVars(".dev.vars");
if (!devVars?.JWT_SECRET) {
  console.error("No JWT_SECRET in .dev.vars: run `npm start` once to create it.");
  process.exit(1);
}
const issuer = devVars.JWT_ISSUER ?? wranglerVar("JWT_ISSUER");
const audience = (devVars.JWT_AUDIENCE ?? wranglerVar("JWT_AUDIENCE")).split(",")[0].trim();
const roles = values.roles
  .split(",")
  .map((role) => role.trim())
  .filter(Boolean);

const teamClaim = devVars.JWT_TEAM_CLAIM || wranglerVar("JWT_TEAM_CLAIM") || "team";
const rolesClaim = devVars.JWT_ROLES_CLAIM || wranglerVar("JWT_ROLES_CLAIM") || "roles";

const token = await new SignJWT({ [teamClaim]: values.team, [rolesClaim]: roles })
  .setProtectedHeader({ alg: "HS256", typ: "JWT" })
  .setSubject(values.sub)
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime(values.ttl)
  .sign(new TextEncoder().encode(devVars.JWT_SECRET));
console.log(token);
