// The OpenAPI description of what is not an OpenAPIHono route: the Streamable HTTP endpoint of mcp-routes.ts (its
// errors are JSON-RPC error responses) and the public protected resource metadata of protected-resource.ts. It is
// long because it is mostly data: each method's error table and examples.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { PROTOCOL_VERSIONS } from "../core/mcp.ts";
import { POLICY_DENIED } from "../core/policy/enforcement.ts";
import {
  authErrors,
  describeErrors,
  type ErrorCodes,
  errorExamples,
  errorsByStatus,
  restErrorResponses,
  SERVER_FAILURES,
} from "../http/openapi.ts";
import { BEARER_AUTH } from "../http/openapi-document.ts";
import { ServerName } from "../registry/servers-api.ts";

const RequestId = z.union([z.string(), z.number().int()]);
const Params = z.record(z.string(), z.unknown());

const JsonRpcRequest = z
  .strictObject({
    jsonrpc: z.literal("2.0"),
    id: RequestId,
    method: z.string().min(1),
    params: Params.optional(),
  })
  .openapi("JsonRpcRequest");
const JsonRpcNotification = z
  .strictObject({ jsonrpc: z.literal("2.0"), method: z.string().min(1), params: Params.optional() })
  .openapi("JsonRpcNotification");
const JsonRpcResult = z
  .strictObject({ jsonrpc: z.literal("2.0"), id: RequestId, result: Params })
  .openapi("JsonRpcResult");
const JsonRpcErrorResponse = z
  .strictObject({
    jsonrpc: z.literal("2.0"),
    id: RequestId.nullable(),
    error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
  })
  .openapi("JsonRpcErrorResponse");
const JsonRpcMessage = z
  .union([JsonRpcRequest, JsonRpcNotification, JsonRpcResult, JsonRpcErrorResponse])
  .openapi("JsonRpcMessage", {
    description: "One JSON-RPC 2.0 message, with exactly the members its kind allows; `params` is an object.",
  });

/** How the gateway refuses an MCP request: a JSON-RPC error whose `data.code` is the stable code. */
const McpError = z
  .object({
    jsonrpc: z.literal("2.0"),
    id: RequestId.nullable().openapi({
      description:
        "The id of the request answered, when the gateway knows it (`invalid_request` with a usable id, " +
        "`header_mismatch`, `session_not_found` after a failed recovery); null otherwise.",
    }),
    error: z.object({
      code: z.number().int().openapi({ description: "The JSON-RPC error code." }),
      message: z.string().openapi({ description: "For people; its wording may change." }),
      data: z.object({
        code: z.string().openapi({ description: "Stable and machine-readable: programs branch on this." }),
      }),
    }),
  })
  .openapi("McpError", {
    example: {
      jsonrpc: "2.0",
      id: null,
      error: {
        code: -32001,
        message: "Session not found: initialize a new session.",
        data: { code: "session_not_found" },
      },
    },
  });

/** The JSON-RPC code each gateway code carries; -32000 for the rest. */
const JSON_RPC_CODES: Record<string, number> = {
  parse_error: -32700,
  invalid_request: -32600,
  header_mismatch: -32600,
  listing_in_batch: -32600,
  session_not_found: -32001,
};

const SERVER_PARAM = z.object({
  server: ServerName.openapi({
    param: { name: "server", in: "path" },
    description: "The name of a server registered for your team.",
  }),
});

const SESSION_ID = z.string().openapi({
  description:
    "The session token the gateway returned on `initialize` (sealed; never the upstream's own id). A POST of " +
    "`initialize` ignores it.",
  example: "1.Xk2n0Qe3Rr7TzA9mJc4wLp…",
});
const PROTOCOL_VERSION = z.enum(PROTOCOL_VERSIONS).openapi({
  description: "The negotiated protocol revision; the gateway refuses one it does not know, and forwards it.",
  example: "2025-11-25",
});
const LAST_EVENT_ID = z.string().openapi({
  description: "Resumes an SSE stream after this event; forwarded upstream.",
  example: "42",
});

/** Errors each of the three methods can meet on the way to the upstream, besides authentication's and failures. */
const COMMON_ERRORS = {
  404: {
    unknown_server: {
      when: "No server of that name is registered for your team.",
      message: "No MCP server named 'github' is registered for your team.",
    },
    session_not_found: {
      when:
        "The session token is not yours (another subject, team or server), is malformed, or the session has " +
        "ended or could not be recovered upstream: initialize a new session.",
      message: "Session not found: initialize a new session.",
    },
  },
  502: {
    upstream_unreachable: {
      when: "The upstream could not be reached (connection refused, DNS, TLS).",
      message: "Upstream server 'github' is unreachable.",
    },
    upstream_redirect: {
      when: "The upstream answered with a redirect, which is not followed: register the target URL.",
      message:
        "Upstream server 'github' answered with a redirect (HTTP 301); register the URL it redirects to.",
    },
    upstream_auth_failed: {
      when: "The upstream answered 401 or 403: the server's credential headers are wrong.",
      message:
        "Upstream server 'github' refused the gateway's credentials (HTTP 401); an admin should check the " +
        "server's headers.",
    },
    upstream_failed: {
      when: "The upstream answered 5xx.",
      message: "Upstream server 'github' failed with HTTP 500.",
    },
    upstream_credentials_unreadable: {
      when:
        "The server's stored credential headers do not decrypt (the gateway's ENCRYPTION_KEY changed): an " +
        "admin must set them again.",
      message:
        "The credentials stored for server 'github' cannot be decrypted; an admin must set them again.",
    },
  },
  504: {
    upstream_timeout: {
      when: "The upstream sent no response headers within the server's timeout.",
      message: "Upstream server 'github' did not answer within 30000 ms.",
    },
  },
} satisfies ErrorCodes;

const UPSTREAM_NOT_FOUND = {
  upstream_not_found: {
    when: "The upstream answered 404 to a request without a session: its URL is probably wrong.",
    message: "Upstream server 'github' answered 404 Not Found; check the server's URL.",
  },
};

const UNSUPPORTED_PROTOCOL_VERSION = {
  unsupported_protocol_version: {
    when: "MCP-Protocol-Version names a revision the gateway does not know.",
    message: "Unsupported MCP-Protocol-Version: 2099-01-01.",
  },
};

const NOT_ACCEPTABLE = (types: string) => ({
  not_acceptable: {
    when: `The Accept header does not admit ${types} (wildcards count).`,
    message: `The Accept header must include ${types}.`,
  },
});

const POST_ERRORS: ErrorCodes = {
  400: {
    parse_error: {
      when: "The body is not valid JSON or not valid UTF-8.",
      message: "Parse error: Unexpected end of JSON input.",
    },
    invalid_request: {
      when:
        "Not a valid JSON-RPC message, an empty batch, a batch under a protocol version that forbids batches, " +
        "or `initialize` inside a batch.",
      message: "Invalid request: initialize must not be part of a batch.",
    },
    header_mismatch: {
      when: "Mcp-Method or Mcp-Name disagrees with the body.",
      message: "Invalid request: the Mcp-Method header does not match the body.",
    },
    listing_in_batch: {
      when:
        "A batch holds tools/list, prompts/list or resources/list for a server whose listings are filtered " +
        "(by policies or hidden tool changes).",
      message:
        "Server 'github' filters its listings for each caller: send tools/list, prompts/list and resources/list " +
        "on their own, not in a batch.",
    },
    ...UNSUPPORTED_PROTOCOL_VERSION,
  },
  406: NOT_ACCEPTABLE("application/json and text/event-stream"),
  413: {
    body_too_large: {
      when: "The body (declared or read) exceeds the gateway's MAX_BODY_BYTES.",
      message: "The request body exceeds the gateway's limit of 1048576 bytes.",
    },
  },
  415: {
    unsupported_media_type: {
      when: "The Content-Type is not application/json, or its charset is not UTF-8.",
      message: "The Content-Type must be application/json.",
    },
  },
  502: {
    ...UPSTREAM_NOT_FOUND,
    response_too_large: {
      when:
        "The response had to be read whole (to filter a listing, redact, judge a JSON response or hide changed " +
        "tools) and was larger than MAX_BODY_BYTES.",
      message: "Server 'github' sent a response too large to check, filter or redact.",
    },
  },
  503: {
    tool_pins_unavailable: {
      when: "The server hides changed tools and its tool pins could not be read; try again.",
      message:
        "Server 'github' hides changed tools, and the gateway cannot check its tool pins right now; try again.",
    },
  },
};

const GET_ERRORS: ErrorCodes = {
  400: UNSUPPORTED_PROTOCOL_VERSION,
  406: NOT_ACCEPTABLE("text/event-stream"),
  502: UPSTREAM_NOT_FOUND,
};

const DELETE_ERRORS: ErrorCodes = {
  400: {
    session_required: {
      when: "The request has no Mcp-Session-Id.",
      message: "DELETE needs the Mcp-Session-Id of the session to end.",
    },
  },
};

const WWW_AUTHENTICATE = {
  description:
    'A Bearer challenge: `Bearer realm="helmet", resource_metadata="<origin>/.well-known/oauth-protected-' +
    'resource/mcp/<server>"`, with `error="invalid_token"` or `error="insufficient_scope"` and ' +
    "`error_description` when the token was refused.",
  schema: { type: "string" as const },
};

/** The error responses of one method: each status with its codes, as JSON-RPC error bodies. */
function mcpErrorResponses(errors: ErrorCodes) {
  return Object.fromEntries(
    errorsByStatus(authErrors("member"), SERVER_FAILURES, COMMON_ERRORS, errors).map(([status, cases]) => [
      status,
      {
        description: describeErrors(status, cases),
        ...(status === 401 || status === 403 ? { headers: { "WWW-Authenticate": WWW_AUTHENTICATE } } : {}),
        content: {
          "application/json": {
            schema: McpError,
            examples: errorExamples(cases, (code, { message }) => ({
              jsonrpc: "2.0",
              id: null,
              error: { code: JSON_RPC_CODES[code] ?? -32000, message, data: { code } },
            })),
          },
        },
      },
    ]),
  );
}

const RELAYED_4XX = {
  description:
    "An upstream 4xx the gateway does not map (such as a stateful upstream's 400 for a request without a " +
    "session), relayed as the upstream sent it.",
};

const SSE_BODY = {
  schema: {
    type: "string" as const,
    description:
      "Server-sent events, each `data:` one JSON-RPC message: progress notifications and server-to-client " +
      "requests first, then the response.",
  },
  example:
    'id: 1\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":' +
    '{"progressToken":7,"progress":1,"total":2}}\n\nid: 2\nevent: message\ndata: {"jsonrpc":"2.0","id":7,' +
    '"result":{"content":[{"type":"text","text":"done"}]}}\n\n',
};

const SSE_HEADERS = {
  "Cache-Control": {
    description: "`no-cache, no-transform` on SSE responses.",
    schema: { type: "string" as const },
  },
  "X-Accel-Buffering": { description: "`no` on SSE responses.", schema: { type: "string" as const } },
};

const PROTOCOL_VERSION_HEADER = {
  description: "The upstream's MCP-Protocol-Version, when it sent one.",
  schema: { type: "string" as const },
};

/** Documents /mcp/{server} and the protected resource metadata routes on the root app's registry. */
export function registerMcpPaths(registry: OpenAPIHono<AppEnv>["openAPIRegistry"]): void {
  registry.registerPath({
    method: "post",
    path: "/mcp/{server}",
    tags: ["MCP"],
    summary: "Send a JSON-RPC message (or a batch)",
    description:
      "The MCP Streamable HTTP transport, with the gateway in the middle: " +
      "policies judge each message, tool pins are checked, and every exchange is logged. `Accept` must admit " +
      "both application/json and text/event-stream; `Content-Type` must be application/json in UTF-8. A batch " +
      "(a JSON array) is accepted only when MCP-Protocol-Version is absent or 2025-03-26, and must not be empty " +
      "or hold an `initialize`.\n\nNeeds the `member` role (or a higher one).",
    security: [{ [BEARER_AUTH]: [] }],
    request: {
      params: SERVER_PARAM,
      headers: z.object({
        "Mcp-Session-Id": SESSION_ID.optional(),
        "MCP-Protocol-Version": PROTOCOL_VERSION.optional(),
        "Mcp-Method": z.string().optional().openapi({
          description: "2026-07-28: the body's method; it must match the body, and is forwarded.",
          example: "tools/call",
        }),
        "Mcp-Name": z
          .string()
          .optional()
          .openapi({
            description:
              "2026-07-28: the body's tool name, prompt name or resource URI; it must match the body, and is " +
              "forwarded.",
            example: "read_file",
          }),
        "Last-Event-ID": LAST_EVENT_ID.optional(),
      }),
      body: {
        required: true,
        content: {
          "application/json": {
            schema: z.union([JsonRpcMessage, z.array(JsonRpcMessage).min(1)]),
            examples: {
              initialize: {
                summary: "Open a session",
                value: {
                  jsonrpc: "2.0",
                  id: 1,
                  method: "initialize",
                  params: {
                    protocolVersion: "2025-11-25",
                    capabilities: {},
                    clientInfo: { name: "example-client", version: "1.0.0" },
                  },
                },
              },
              tools_call: {
                summary: "Call a tool",
                value: {
                  jsonrpc: "2.0",
                  id: 7,
                  method: "tools/call",
                  params: { name: "read_file", arguments: { path: "/srv/notes.txt" } },
                },
              },
              notification: {
                summary: "A notification (answered with 202)",
                value: { jsonrpc: "2.0", method: "notifications/initialized" },
              },
            },
          },
        },
      },
    },
    responses: {
      200: {
        description:
          "The upstream's answer, relayed as it streams: JSON, or an SSE stream. On `initialize` it carries the " +
          `session token in Mcp-Session-Id. A request a policy denies never reaches the upstream: it is answered ` +
          `with a JSON-RPC error (code ${POLICY_DENIED}, \`data.rule\` naming the policy), or, for tools/call, ` +
          "with a result whose `isError` is true; a tool or prompt hidden from the caller is answered as unknown " +
          "(-32602). A rate limit adds Retry-After.",
        headers: {
          "Mcp-Session-Id": {
            description: "On a successful `initialize`: the session token to send on every later request.",
            schema: { type: "string" },
          },
          "MCP-Protocol-Version": PROTOCOL_VERSION_HEADER,
          "Retry-After": {
            description: "Seconds until a rate limit that denied the request lets it through.",
            schema: { type: "integer" },
          },
          ...SSE_HEADERS,
        },
        content: {
          "application/json": {
            schema: z.union([JsonRpcMessage, z.array(JsonRpcMessage)]),
            examples: {
              result: {
                summary: "A result",
                value: {
                  jsonrpc: "2.0",
                  id: 7,
                  result: { content: [{ type: "text", text: "Meeting notes…" }] },
                },
              },
              denied: {
                summary: "Denied by a policy",
                value: {
                  jsonrpc: "2.0",
                  id: 3,
                  error: {
                    code: POLICY_DENIED,
                    message: "Prompts are off limits",
                    data: { rule: "no-prompts" },
                  },
                },
              },
              denied_tool: {
                summary: "A tools/call denied by a policy",
                value: {
                  jsonrpc: "2.0",
                  id: 7,
                  result: { content: [{ type: "text", text: "System files are off limits" }], isError: true },
                },
              },
            },
          },
          "text/event-stream": SSE_BODY,
        },
      },
      202: {
        description:
          "The body held only notifications and responses, and the upstream accepted them (or a policy denied " +
          "them: denied notifications are dropped). No body.",
      },
      ...mcpErrorResponses(POST_ERRORS),
      "4XX": RELAYED_4XX,
    },
  });

  registry.registerPath({
    method: "get",
    path: "/mcp/{server}",
    tags: ["MCP"],
    summary: "Open the server-to-client event stream",
    description:
      "Relays the upstream's SSE stream of server-to-client messages; `Accept` must admit text/event-stream. " +
      "On a server with policies or hidden tool changes, every message on the stream is judged.\n\nNeeds the " +
      "`member` role (or a higher one).",
    security: [{ [BEARER_AUTH]: [] }],
    request: {
      params: SERVER_PARAM,
      headers: z.object({
        "Mcp-Session-Id": SESSION_ID.optional(),
        "MCP-Protocol-Version": PROTOCOL_VERSION.optional(),
        "Last-Event-ID": LAST_EVENT_ID.optional(),
      }),
    },
    responses: {
      200: {
        description: "The upstream's event stream.",
        headers: { "MCP-Protocol-Version": PROTOCOL_VERSION_HEADER, ...SSE_HEADERS },
        content: { "text/event-stream": SSE_BODY },
      },
      405: { description: "The upstream offers no stream; its answer is relayed." },
      ...mcpErrorResponses(GET_ERRORS),
      "4XX": RELAYED_4XX,
    },
  });

  registry.registerPath({
    method: "delete",
    path: "/mcp/{server}",
    tags: ["MCP"],
    summary: "End the session",
    description:
      "Ends the session upstream and at the gateway: its token then gets 404 `session_not_found`.\n\nNeeds the " +
      "`member` role (or a higher one).",
    security: [{ [BEARER_AUTH]: [] }],
    request: {
      params: SERVER_PARAM,
      headers: z.object({ "Mcp-Session-Id": SESSION_ID }),
    },
    responses: {
      200: {
        description:
          "Ended, with no body. The status is the upstream's 2xx; 200 when the upstream had no session or had " +
          "lost it already.",
      },
      405: {
        description:
          "The upstream does not let clients end sessions; its status is relayed with no body, and the session " +
          "stays open (so does any other non-success status of the upstream).",
      },
      ...mcpErrorResponses(DELETE_ERRORS),
    },
  });

  const Metadata = z
    .object({
      resource: z.string().openapi({ description: "The protected resource's URL." }),
      authorization_servers: z.array(z.string()).optional().openapi({
        description: "Where to get a token (OAUTH_AUTHORIZATION_SERVERS); left out when none is configured.",
      }),
      bearer_methods_supported: z.array(z.literal("header")),
      resource_name: z.string(),
    })
    .openapi("ProtectedResourceMetadata", {
      description: "OAuth 2.0 Protected Resource Metadata (RFC 9728).",
      example: {
        resource: "https://gateway.example.com/mcp/github",
        authorization_servers: ["https://auth.example.com"],
        bearer_methods_supported: ["header"],
        resource_name: "Helmet MCP gateway",
      },
    });
  const discoveryResponses = {
    200: {
      description: "The metadata. Any origin may read it (`Access-Control-Allow-Origin: *`).",
      content: { "application/json": { schema: Metadata } },
    },
    ...restErrorResponses(SERVER_FAILURES),
  };

  registry.registerPath({
    method: "get",
    path: "/.well-known/oauth-protected-resource",
    tags: ["Discovery"],
    summary: "Metadata of the gateway as a protected resource",
    description:
      "RFC 9728 metadata for the gateway as a whole: `resource` is its origin. No token is needed.",
    security: [],
    responses: discoveryResponses,
  });

  registry.registerPath({
    method: "get",
    path: "/.well-known/oauth-protected-resource/mcp/{server}",
    tags: ["Discovery"],
    summary: "Metadata of one MCP endpoint",
    description:
      "RFC 9728 metadata for `/mcp/{server}`, which its 401 challenges point at: `resource` is " +
      "`<origin>/mcp/{server}`. It does not check that the server exists. No token is needed.",
    security: [],
    request: {
      params: z.object({
        server: z.string().openapi({
          param: { name: "server", in: "path" },
          description: "The `{server}` of the MCP endpoint described.",
          example: "github",
        }),
      }),
    },
    responses: discoveryResponses,
  });
}
