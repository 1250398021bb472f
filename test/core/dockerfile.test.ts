// Dockerfile rules (src/core/scan/container/dockerfile.ts): what a careless Dockerfile gets, what a careful one
// does not, and the parts of Docker's syntax that move lines around (continuations, comments, escape, heredocs).
import { describe, expect, it } from "vitest";
import {
  analyzeDockerfile,
  isDockerfile,
  parseDockerfile,
} from "../../src/core/scan/container/dockerfile.ts";

const CARELESS = [
  "FROM node AS build", // 1: untagged
  "ARG NPM_TOKEN", // 2: credential as a build argument
  "ENV DATABASE_PASSWORD=hunter2hunter2 \\", // 3: credential in the image
  "    NODE_ENV=production",
  "RUN apt-get update && apt-get install -y curl \\", // 5: unpinned curl, piped installer
  "    && curl -fsSL https://deb.example.com/setup.sh | sudo bash",
  "ADD https://example.com/tool.tar.gz /opt/tool.tgz", // 7: unchecked download
  "FROM python:latest", // 8: latest, and the final stage has no HEALTHCHECK
  "RUN pip install requests==2.32.3 flask", // 9: unpinned flask
  "EXPOSE 22 8080", // 10
  "USER root", // 11
].join("\n");

const CAREFUL = [
  "# syntax=docker/dockerfile:1",
  "FROM node:22.11-alpine3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS build",
  "ARG NODE_ENV=production",
  "RUN --mount=type=secret,id=npm_token npm ci",
  "ADD --checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef https://example.com/t.tgz /opt/",
  "FROM build",
  "RUN apk add --no-cache tini=0.19.0-r3 && pip install -r requirements.txt",
  "EXPOSE 8080",
  "HEALTHCHECK CMD wget -qO- http://127.0.0.1:8080/healthz || exit 1",
  "USER 10001",
].join("\n");

const rules = (text: string) =>
  analyzeDockerfile("Dockerfile", text).map(
    (f) => `${f.location.type === "file" ? f.location.line : 0} ${f.ruleId} ${f.severity}`,
  );

describe("analyzeDockerfile", () => {
  it("reports each careless instruction on its own line", () => {
    expect(rules(CARELESS)).toEqual([
      "1 container-unpinned-base medium",
      "2 container-secret-in-env medium",
      "3 container-secret-in-env high",
      "5 container-pipe-to-shell high",
      "5 container-unpinned-packages low",
      "5 container-sudo medium",
      "7 container-add-url medium",
      "8 container-unpinned-base medium",
      "8 container-no-healthcheck low",
      "9 container-unpinned-packages low",
      "10 container-ssh-port medium",
      "11 container-root-user high",
    ]);
  });

  it("finds nothing in a careful Dockerfile", () => {
    expect(rules(CAREFUL)).toEqual([]);
  });

  it("never shows a credential in the evidence, and says which packages are unpinned", () => {
    const found = analyzeDockerfile("Dockerfile", CARELESS);
    const secret = found.find((f) => f.ruleId === "container-secret-in-env" && f.severity === "high");
    expect(secret?.match).toBe("ENV DATABASE_PASSWORD=hunt**********");
    expect(JSON.stringify(found)).not.toContain("hunter2hunter2");
    const provider = analyzeDockerfile(
      "Dockerfile",
      "FROM x:1\nENV GH=ghp_0123456789abcdefghijABCDEFGHIJ012345\nUSER app\nHEALTHCHECK NONE\n",
    );
    expect(provider.map((f) => f.ruleId)).toEqual(["container-secret-in-env"]);
    expect(JSON.stringify(provider)).not.toContain("ghp_0123456789");
    expect(found.find((f) => f.location.type === "file" && f.location.line === 9)?.description).toContain(
      "Installed without a version: flask.",
    );
  });

  it("runs as root when the final stage sets no USER, whatever earlier stages did", () => {
    const text = "FROM golang:1.23 AS build\nUSER builder\nFROM alpine:3.20\nHEALTHCHECK CMD true\n";
    expect(rules(text)).toEqual(["3 container-root-user medium"]);
  });

  it("keeps a finding silenced by a helmet-ignore comment above it, as suppressed", () => {
    const text = (comment: string) => `FROM x:1\n${comment}\nEXPOSE 22\nUSER app\nHEALTHCHECK NONE\n`;
    const ignored = analyzeDockerfile("Dockerfile", text("# helmet-ignore: container-ssh-port"));
    expect(ignored.map((f) => [f.ruleId, f.suppressed])).toEqual([["container-ssh-port", true]]);
    const other = analyzeDockerfile("Dockerfile", text("# helmet-ignore: container-sudo"));
    expect(other.map((f) => [f.ruleId, f.suppressed])).toEqual([["container-ssh-port", undefined]]);
  });
});

describe("parseDockerfile", () => {
  it("joins continuations (skipping comments inside them), reads the escape directive and heredocs", () => {
    const text = [
      "# escape=`",
      "FROM mcr.microsoft.com/windows/servercore:ltsc2022",
      "RUN echo one `",
      "    # a comment the continuation skips",
      "    two",
      "RUN <<EOF",
      "apt-get install -y curl",
      "EOF",
      "USER app",
    ].join("\n");
    expect(parseDockerfile(text).map((i) => [i.line, i.keyword, i.args])).toEqual([
      [2, "FROM", "mcr.microsoft.com/windows/servercore:ltsc2022"],
      [3, "RUN", "echo one  two"],
      [6, "RUN", "<<EOF\napt-get install -y curl"],
      [9, "USER", "app"],
    ]);
  });

  it("knows Dockerfiles by name", () => {
    expect(
      ["Dockerfile", "docker/Dockerfile.prod", "api.Dockerfile", "Containerfile"].every(isDockerfile),
    ).toBe(true);
    expect(["dockerfile.md", "Dockerfiles/readme.txt", "docker-compose.yml"].some(isDockerfile)).toBe(false);
  });
});
