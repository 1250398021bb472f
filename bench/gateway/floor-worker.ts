// The "worker-floor" target: a Worker that does nothing but pass each request on, so that under `wrangler dev` it
// measures what the local runtime itself costs. /mcp/everything goes to server-everything and /mcp/sse to the SSE
// source (both URLs come from --var). Method, headers (mcp-session-id included) and body go upstream unchanged, and
// the upstream's Response is returned as it is, so its body streams natively, without JavaScript in the path.

interface FloorEnv {
  EVERYTHING_URL: string;
  SSE_URL: string;
}

export default {
  fetch(request: Request, env: FloorEnv): Response | Promise<Response> {
    const path = new URL(request.url).pathname;
    const upstream =
      path === "/mcp/everything" ? env.EVERYTHING_URL : path === "/mcp/sse" ? env.SSE_URL : null;
    if (upstream === null) return new Response("helmet bench floor worker\n");
    return fetch(new Request(upstream, request));
  },
};
