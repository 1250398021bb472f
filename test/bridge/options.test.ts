import { describe, expect, it } from "vitest";
import { serverNameOf } from "../../local-bridge/src/options.ts";

describe("the server name helmet derives from the command", () => {
  it.each([
    [["node", "server.js"], "server"],
    [["node", "--env-file", ".env", "/srv/mcp/server.mjs"], "server"],
    [["npx", "-y", "@modelcontextprotocol/server-github"], "server-github"],
    [["npx", "-y", "@modelcontextprotocol/server-filesystem@2025.1.1", "/tmp"], "server-filesystem"],
    [["docker", "run", "-i", "mcp/github"], "github"],
    [
      [
        "docker",
        "run",
        "-i",
        "--rm",
        "-e",
        "GITHUB_PERSONAL_ACCESS_TOKEN",
        "ghcr.io/github/github-mcp-server",
      ],
      "github-mcp-server",
    ],
    [
      ["podman", "run", "-i", "--mount", "type=bind,src=/a,dst=/b", "mcp/filesystem:latest", "/projects"],
      "filesystem",
    ],
    [["uvx", "mcp-server-fetch"], "mcp-server-fetch"],
    [["python", "-m", "mcp_server_time"], "mcp_server_time"],
  ])("%j is %s", (command, name) => {
    expect(serverNameOf(command)).toBe(name);
  });
});
