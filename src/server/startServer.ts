import type {Server} from "node:http";
import type {AddressInfo} from "node:net";
import {createAdaptorServer} from "@hono/node-server";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {createServerApp, type ServerApp, type ServerAppOptions} from "./createServerApp.js";
import {guardStalledResponses} from "./guardStalledResponses.js";
import {DEFAULT_BODY_READ_TIMEOUT_MS, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_STALLED_CLIENT_MS, MAX_UNREAD_BYTES} from "./limits.js";

export interface StartServerOptions extends ServerAppOptions {
    /** Address to bind. Defaults to `127.0.0.1`; any non-loopback address requires `apiKey`. */
    host?: string;
    /** TCP port; `0` picks a free one. Defaults to `DEFAULT_PORT` (11435). */
    port?: number;
    /** Time a client has to send its whole request, body included (ms). Defaults to `DEFAULT_BODY_READ_TIMEOUT_MS` (30 s). */
    bodyReadTimeoutMs?: number;
    /** Time a streamed reply waits for a client that stopped reading (ms). Defaults to `DEFAULT_STALLED_CLIENT_MS` (30 s). */
    stalledClientMs?: number;
}

export interface RunningServer extends ServerApp {
    /** `http://host:port` as bound (the real port when `port` was 0). */
    url: string;
    port: number;
    host: string;
    /** Stops accepting, ends open connections and unloads the models. */
    stop(): Promise<void>;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
    return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Binds the app to a port. Refuses a non-loopback host without an API key. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
    const host = options.host ?? DEFAULT_HOST;
    if (!isLoopbackHost(host) && (options.apiKey === undefined || options.apiKey === ""))
        throw new R1Error(`--host ${host} would let other machines use this server without a key`,
            {exitCode: ExitCode.usage, hint: "add --api-key KEY (clients send `Authorization: Bearer KEY`), or keep the default 127.0.0.1"});
    const wildcard = host === "0.0.0.0" || host === "::";
    const server = createServerApp({
        ...options,
        allowedHosts: [...(wildcard ? [] : [host]), ...(options.allowedHosts ?? [])],
        anyIpHost: options.anyIpHost ?? wildcard
    });
    const bodyReadTimeoutMs = options.bodyReadTimeoutMs ?? DEFAULT_BODY_READ_TIMEOUT_MS;
    const http = createAdaptorServer({
        fetch: server.app.fetch,
        hostname: host,
        serverOptions: {
            requestTimeout: bodyReadTimeoutMs,
            headersTimeout: Math.min(60_000, bodyReadTimeoutMs),
            // Node checks these timeouts on this interval (30 s by default), which would add up to 30 s to a short limit.
            connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(bodyReadTimeoutMs / 4)))
        }
    }) as Server;
    guardStalledResponses(http, {stallMs: options.stalledClientMs ?? DEFAULT_STALLED_CLIENT_MS, maxUnreadBytes: MAX_UNREAD_BYTES});
    await new Promise<void>((resolve, reject) => {
        http.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "EADDRINUSE"
            ? new R1Error(`port ${options.port ?? DEFAULT_PORT} on ${host} is already in use`, {hint: "pick another with --port", cause: error})
            : error));
        http.listen(options.port ?? DEFAULT_PORT, host, () => resolve());
    });
    const address = http.address() as AddressInfo;
    const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return {
        ...server,
        url: `http://${urlHost}:${address.port}`,
        port: address.port,
        host,
        async stop() {
            await new Promise<void>((resolve) => {
                http.close(() => resolve());
                if ("closeAllConnections" in http) http.closeAllConnections();
            });
            await server.close();
        }
    };
}
