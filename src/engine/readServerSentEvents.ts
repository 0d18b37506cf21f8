import {R1Error} from "../util/R1Error.js";

/** Longest SSE line accepted from a server (one `data:` line holds one JSON chunk). */
export const MAX_SSE_LINE_BYTES = 4 * 1024 * 1024;
/** Largest event (its `data:` lines together). */
export const MAX_SSE_EVENT_BYTES = 8 * 1024 * 1024;

/** One server-sent event: its `event:` name (`"message"` when absent) and its data lines joined by `\n`. */
export interface ServerSentEvent {
    event: string;
    data: string;
}

/** A stream of server-sent events broke a named limit. */
export class SseLimitError extends R1Error {
    readonly limit: string;

    constructor(limit: string, bytes: number) {
        super(`the server sent an event stream line or event over ${limit} (${bytes} characters)`, {hint: "the server is not speaking server-sent events as expected"});
        this.limit = limit;
    }
}

/**
 * Parses `text/event-stream` bytes as the WHATWG spec says (`\n`, `\r\n` or `\r` line ends,
 * comments, `data:` lines joined, an event dispatched at a blank line), with named size limits
 * so a garbage or hostile stream cannot grow memory. An event left without its blank line when the
 * stream ends is dropped, as browsers do.
 */
export async function* readServerSentEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent, void, void> {
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "";
    let data: string[] = [];
    let dataBytes = 0;
    let skipLeadingNewline = false;
    for await (const chunk of body) {
        buffer += decoder.decode(chunk, {stream: true});
        let start = 0;
        for (;;) {
            if (skipLeadingNewline && start < buffer.length) {
                if (buffer[start] === "\n") start++;
                skipLeadingNewline = false;
            }
            const cr = buffer.indexOf("\r", start);
            const lf = buffer.indexOf("\n", start);
            const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
            if (end < 0) break;
            const line = buffer.slice(start, end);
            if (buffer[end] === "\r") {
                if (end + 1 < buffer.length) {
                    start = buffer[end + 1] === "\n" ? end + 2 : end + 1;
                } else {
                    start = end + 1;
                    skipLeadingNewline = true;
                }
            } else start = end + 1;
            if (line === "") {
                if (data.length > 0) yield {event: event === "" ? "message" : event, data: data.join("\n")};
                event = "";
                data = [];
                dataBytes = 0;
                continue;
            }
            if (line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? "" : line.slice(colon + 1);
            if (value.startsWith(" ")) value = value.slice(1);
            if (field === "data") {
                dataBytes += value.length + 1;
                if (dataBytes > MAX_SSE_EVENT_BYTES) throw new SseLimitError("MAX_SSE_EVENT_BYTES", dataBytes);
                data.push(value);
            } else if (field === "event") event = value;
        }
        buffer = buffer.slice(start);
        if (buffer.length > MAX_SSE_LINE_BYTES) throw new SseLimitError("MAX_SSE_LINE_BYTES", buffer.length);
    }
}
