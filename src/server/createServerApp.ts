import {createHash, timingSafeEqual} from "node:crypto";
import {Hono, type MiddlewareHandler} from "hono";
import {bodyLimit} from "hono/body-limit";
import {cors} from "hono/cors";
import {anthropicRoutes} from "./anthropicRoutes.js";
import {ApiError} from "./ApiError.js";
import {degradedModels, healthBody} from "./degradedModels.js";
import {errorResponse} from "./errorResponse.js";
import {DEFAULT_REQUEST_TIMEOUT_MS, MAX_BODY_BYTES} from "./limits.js";
import {Metrics} from "./Metrics.js";
import {ModelPool, type ModelPoolOptions} from "./ModelPool.js";
import {ollamaRoutes} from "./ollamaRoutes.js";
import {requestGuard} from "./requestGuard.js";
import {responsesRoutes} from "./responsesRoutes.js";
import {openaiRoutes} from "./openaiRoutes.js";
import type {ServerContext} from "./ServerContext.js";

export interface ServerAppOptions extends ModelPoolOptions {
    /** Limit on one request, queueing included (ms). Defaults to 10 minutes. */
    requestTimeoutMs?: number;
    /**
     * When set, `/v1`, `/api`, `/metrics` and the web page's JSON (`/ui/api`) require
     * `Authorization: Bearer <apiKey>` (or Anthropic's `x-api-key: <apiKey>`); the page itself and its assets stay public (they hold no
     * data, and the page asks for the key). Defaults to none.
     */
    apiKey?: string;
    /**
     * Origins of other sites whose pages may call the API (`--cors`; `*` for any). Requests from
     * any other site are refused (`requestGuard`). Defaults to none (no CORS headers at all).
     */
    corsOrigins?: string[];
    /**
     * Host names this server answers to besides the loopback names; any other `Host` is refused
     * (DNS rebinding). `startServer` adds the bound host. Defaults to none.
     */
    allowedHosts?: string[];
    /** Answer any IP-literal `Host` (bound to a wildcard address). Defaults to `false`. */
    anyIpHost?: boolean;
    /** Largest request body (bytes). Defaults to `MAX_BODY_BYTES` (4 MiB). */
    maxBodyBytes?: number;
    /**
     * Adds routes outside the API prefixes, after the API routes: the web UI's `mountWebUi` goes
     * here and serves `/`. Defaults to none.
     */
    mount?: (app: Hono, server: ServerApp) => void;
}

/** The server's Hono app and the state behind it. */
export interface ServerApp extends ServerContext {
    app: Hono;
    /** Unloads every model. */
    close(): Promise<void>;
}

/** Route labels for `/metrics`; any other path counts as `other`, keeping label cardinality bounded. */
const KNOWN_ROUTES = new Set([
    "/v1/models", "/v1/chat/completions", "/v1/completions", "/api/version", "/api/tags", "/api/show", "/api/ps",
    "/api/chat", "/api/generate", "/api/pull", "/api/delete", "/health", "/metrics",
    "/v1/messages", "/v1/messages/count_tokens", "/v1/responses"
]);

/**
 * Builds the HTTP app: OpenAI's API under `/v1`, Ollama's under `/api`, `/health`, `/metrics`,
 * then whatever `mount` adds (the web UI at `/`). It binds nothing; `startServer` does, and
 * tests call `app.request()` in-process.
 */
export function createServerApp(options: ServerAppOptions): ServerApp {
    const pool = new ModelPool(options);
    const metrics = new Metrics();
    const ctx: ServerContext = {pool, metrics, requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS};
    const app = new Hono();
    const server: ServerApp = {...ctx, app, close: () => pool.close()};

    app.use("*", async (c, next) => {
        await next();
        metrics.recordRequest(KNOWN_ROUTES.has(c.req.path) ? c.req.path : "other", c.res.status);
    });
    app.use("*", requestGuard({
        ...(options.allowedHosts === undefined ? {} : {allowedHosts: options.allowedHosts}),
        ...(options.anyIpHost === undefined ? {} : {anyIpHost: options.anyIpHost}),
        ...(options.corsOrigins === undefined ? {} : {corsOrigins: options.corsOrigins})
    }));
    if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
        app.use("*", cors({
            origin: options.corsOrigins.includes("*") ? "*" : options.corsOrigins,
            allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
            allowHeaders: ["Authorization", "Content-Type", "x-api-key", "anthropic-version", "anthropic-beta"],
            exposeHeaders: ["Retry-After"],
            maxAge: 600
        }));
    }
    if (options.apiKey !== undefined) {
        const auth = bearerAuth(options.apiKey);
        for (const path of ["/v1/*", "/api/*", "/metrics", "/ui/api/*"]) app.use(path, auth);
    }
    const maxSize = options.maxBodyBytes ?? MAX_BODY_BYTES;
    const limit = bodyLimit({
        maxSize,
        onError: (c) => errorResponse(c, new ApiError("body_too_large", `The request body is larger than ${maxSize} bytes.`))
    });
    app.use("/v1/*", limit);
    app.use("/api/*", limit);

    app.route("/v1", anthropicRoutes(ctx));
    app.route("/v1", responsesRoutes(ctx));
    app.route("/v1", openaiRoutes(ctx));
    app.route("/api", ollamaRoutes(ctx));
    app.get("/health", (c) => {
        const {status, body} = healthBody(pool.loaded());
        return c.json(body, status);
    });
    app.get("/metrics", (c) => {
        const loaded = pool.loaded();
        const text = metrics.render({
            loadedModels: loaded.length,
            activeSequences: loaded.reduce((sum, entry) => sum + entry.active, 0),
            queuedRequests: loaded.reduce((sum, entry) => sum + entry.queued, 0),
            models: loaded.filter((entry) => entry.model !== undefined).map((entry) => entry.descriptor.name),
            degraded: degradedModels(loaded)
        });
        return c.text(text, 200, {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"});
    });
    options.mount?.(app, server);

    app.notFound((c) => errorResponse(c, new ApiError("not_found", `No route ${c.req.method} ${c.req.path}.`)));
    app.onError((error, c) => errorResponse(c, error));
    return server;
}

function bearerAuth(apiKey: string): MiddlewareHandler {
    const expected = createHash("sha256").update(apiKey).digest();
    return async (c, next) => {
        // Preflight requests carry no credentials; CORS answers them.
        if (c.req.method === "OPTIONS") return next();
        // Anthropic's clients send the key as `x-api-key`; every other client as a bearer token.
        const key = /^Bearer\s+(.+)$/i.exec(c.req.header("Authorization") ?? "")?.[1]?.trim() ?? c.req.header("x-api-key")?.trim();
        const given = createHash("sha256").update(key ?? "").digest();
        if (key === undefined || !timingSafeEqual(given, expected))
            return errorResponse(c, new ApiError("unauthorized", "Missing or wrong API key: send `Authorization: Bearer <key>` (or `x-api-key: <key>`)."));
        return next();
    };
}
