import type {MiddlewareHandler} from "hono";
import {ApiError} from "./ApiError.js";
import {errorResponse} from "./errorResponse.js";

export interface RequestGuardOptions {
    /**
     * Host names (without port) this server answers to besides the loopback names (`localhost`,
     * `*.localhost`, `127.x.y.z`, `::1`): the `--host` name and the `--allowed-host` extras.
     * Defaults to none.
     */
    allowedHosts?: string[];
    /**
     * Also answer any IP-literal `Host` (the server is bound to a wildcard address such as
     * `0.0.0.0`, so it is reached by whichever address the machine has). An IP literal cannot be
     * rebound by DNS. Defaults to `false`.
     */
    anyIpHost?: boolean;
    /** Origins of other sites allowed to call the API from a browser (`--cors`); `*` allows all. Defaults to none. */
    corsOrigins?: string[];
}

/** Methods whose body the routes read as JSON. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Closes the server to other web sites. A browser page on any site can send a "simple" POST
 * (`text/plain`, no preflight) to 127.0.0.1, and a DNS-rebinding page (its own name resolving to
 * 127.0.0.1) can even read the replies. So: a `Host` that is not one of this server's names is
 * refused (rebinding), a request whose `Origin` is another site not allowed by `--cors` is
 * refused (cross-site requests; the server's own page is same-origin), and a request body must
 * be `application/json` (which no cross-site form or simple request can send without a preflight).
 * Requests without `Host` or `Origin` (curl, SDKs) pass those two checks: only browsers send them
 * in a way a third party controls.
 */
export function requestGuard(options: RequestGuardOptions = {}): MiddlewareHandler {
    const hosts = new Set((options.allowedHosts ?? []).map(normalizeHostName));
    const anyOrigin = options.corsOrigins?.includes("*") === true;
    const origins = new Set(options.corsOrigins ?? []);
    return async (c, next) => {
        const url = new URL(c.req.url);
        const hostName = normalizeHostName(url.hostname);
        if (!isLoopbackName(hostName) && !hosts.has(hostName) && !(options.anyIpHost === true && isIpLiteral(hostName)))
            return errorResponse(c, new ApiError("forbidden",
                `Host "${url.host}" is not a name of this server; add it with --allowed-host if it should be.`));
        const origin = c.req.header("Origin");
        if (origin !== undefined && !sameHost(origin, url.host) && !anyOrigin && !origins.has(origin))
            return errorResponse(c, new ApiError("forbidden",
                `Requests from the web page at ${origin} are refused; allow that site with --cors ${origin}.`));
        if (BODY_METHODS.has(c.req.method) && hasBody(c.req.raw)) {
            const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
            if (type !== "application/json")
                return errorResponse(c, new ApiError("unsupported_media_type",
                    `The request body must be JSON sent with "Content-Type: application/json"${type === "" ? "" : ` (got "${type}")`}.`));
        }
        return next();
    };
}

/**
 * Whether the request says it carries a body: a length above 0, or chunked (HTTP/1.1 has no
 * other way; a DELETE without either has none, as the openai client sends it).
 */
function hasBody(request: Request): boolean {
    const length = request.headers.get("Content-Length");
    if (length !== null) return Number(length) > 0;
    return request.headers.has("Transfer-Encoding");
}

/**
 * Whether a page at `origin` was served by this server under the (already checked) `host`: the
 * scheme is not compared, since a TLS-terminating proxy (`--allowed-host`) serves the page as https.
 */
function sameHost(origin: string, host: string): boolean {
    try {
        return new URL(origin).host === host;
    } catch {
        // "null" (sandboxed frames, file: pages) and anything else unparsable.
        return false;
    }
}

/** Lower case, without the brackets of an IPv6 literal or a trailing dot. */
function normalizeHostName(name: string): string {
    return name.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

/** Names that only ever mean this machine (RFC 6761 reserves `.localhost`). */
function isLoopbackName(name: string): boolean {
    return name === "localhost" || name.endsWith(".localhost") || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name);
}

function isIpLiteral(name: string): boolean {
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || (name.includes(":") && /^[0-9a-f:.]+$/.test(name));
}
