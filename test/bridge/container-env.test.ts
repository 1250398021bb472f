import { describe, expect, it } from "vitest";
import { withContainerEnv } from "../../local-bridge/src/container-env.ts";

const env = {
  PATH: "/usr/bin",
  HOME: "/root",
  GITHUB_TOKEN: "t",
  OPENAI_API_KEY: "k",
  MCP_LOG: "debug",
  ACME_REGION: "eu",
  LANG: "C.UTF-8",
};

describe("docker/podman variable injection", () => {
  it("passes application variables as -e NAME after run, values staying out of the command line", () => {
    expect(withContainerEnv(["docker", "run", "-i", "--rm", "mcp/github"], env, [])).toEqual([
      "docker",
      "run",
      "-e",
      "GITHUB_TOKEN",
      "-e",
      "MCP_LOG",
      "-e",
      "OPENAI_API_KEY",
      "-i",
      "--rm",
      "mcp/github",
    ]);
  });

  it("adds what --pass-env prefixes name, and never system variables", () => {
    const out = withContainerEnv(["podman", "run", "-i", "img"], env, ["ACME_"]);
    expect(out).toContain("ACME_REGION");
    expect(out).not.toContain("PATH");
    expect(out).not.toContain("HOME");
    expect(out).not.toContain("LANG");
  });

  it("keeps what the command sets itself, as in helmet docker run -i -e API_KEY=xxx my-mcp-server", () => {
    const out = withContainerEnv(
      ["docker", "run", "-i", "-e", "GITHUB_TOKEN=explicit", "--env=OPENAI_API_KEY", "my-mcp-server"],
      env,
      [],
    );
    expect(out).toEqual([
      "docker",
      "run",
      "-e",
      "MCP_LOG",
      "-i",
      "-e",
      "GITHUB_TOKEN=explicit",
      "--env=OPENAI_API_KEY",
      "my-mcp-server",
    ]);
  });

  it("finds run after global options and in `container run`, and leaves other commands alone", () => {
    expect(
      withContainerEnv(["/usr/bin/docker", "--context", "remote", "run", "img"], env, []).slice(0, 5),
    ).toEqual(["/usr/bin/docker", "--context", "remote", "run", "-e"]);
    expect(withContainerEnv(["docker", "container", "run", "img"], env, [])[3]).toBe("-e");
    expect(withContainerEnv(["docker", "ps"], env, [])).toEqual(["docker", "ps"]);
    expect(withContainerEnv(["node", "run", "x"], env, [])).toEqual(["node", "run", "x"]);
    // An image or argument named like a variable is not mistaken for one.
    expect(withContainerEnv(["docker", "run", "img", "GITHUB_TOKEN"], {}, [])).toEqual([
      "docker",
      "run",
      "img",
      "GITHUB_TOKEN",
    ]);
  });
});
