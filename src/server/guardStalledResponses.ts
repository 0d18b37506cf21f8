import type {Server, ServerResponse} from "node:http";

export interface StalledResponseOptions {
    /** Time a reply may stay blocked on a client that does not read. */
    stallMs: number;
    /** Most bytes queued in Node for one reply. */
    maxUnreadBytes: number;
}

/**
 * Closes connections whose client stopped reading. Streamed replies wait for the socket to drain
 * (nothing is generated ahead of the client), so a client that never reads would hold its
 * sequence, idle, until the request timeout: after `stallMs` blocked, or with more than
 * `maxUnreadBytes` queued, the socket is destroyed, which cancels the stream and frees the sequence.
 */
export function guardStalledResponses(http: Server, options: StalledResponseOptions): void {
    http.on("request", (_request, response: ServerResponse) => watch(response, options));
}

function watch(response: ServerResponse, options: StalledResponseOptions): void {
    let timer: NodeJS.Timeout | undefined;
    const cut = () => {
        clearTimeout(timer);
        response.destroy();
    };
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    response.write = ((...args: unknown[]) => {
        const flushed = write(...args);
        if (response.writableLength > options.maxUnreadBytes) cut();
        else if (!flushed && timer === undefined) {
            timer = setTimeout(cut, options.stallMs);
            timer.unref();
        }
        return flushed;
    }) as ServerResponse["write"];
    response.on("drain", () => {
        clearTimeout(timer);
        timer = undefined;
    });
    response.on("close", () => clearTimeout(timer));
}
