/**
 * Server-sent events reader: yields the `data` payload of each event in a byte stream. Pure (no DOM),
 * so it runs in the browser and in Node tests alike.
 */

/** Longest event accepted (characters); a server that never ends an event cannot grow memory past it. */
export const MAX_SSE_EVENT_CHARS = 4 * 1024 * 1024;

/** Yields the data of each event (multi-line data joined with "\n"); comments and other fields are skipped. */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let data: string[] = [];
    try {
        for (;;) {
            const {done, value} = await reader.read();
            buffer += done ? decoder.decode() : decoder.decode(value, {stream: true});
            let lineEnd: number;
            while ((lineEnd = buffer.search(/\r\n|\r|\n/)) >= 0) {
                // A lone "\r" at the end may be the first half of "\r\n": wait for the next chunk.
                if (!done && buffer[lineEnd] === "\r" && lineEnd === buffer.length - 1) break;
                const line = buffer.slice(0, lineEnd);
                buffer = buffer.slice(lineEnd + (buffer.startsWith("\r\n", lineEnd) ? 2 : 1));
                if (line === "") {
                    if (data.length > 0) yield data.join("\n");
                    data = [];
                } else if (line.startsWith("data:")) {
                    data.push(line.slice(line[5] === " " ? 6 : 5));
                }
            }
            if (buffer.length + data.reduce((n, d) => n + d.length, 0) > MAX_SSE_EVENT_CHARS)
                throw new Error(`server sent an event longer than ${MAX_SSE_EVENT_CHARS} characters`);
            if (done) break;
        }
        if (buffer.startsWith("data:")) data.push(buffer.slice(buffer[5] === " " ? 6 : 5));
        if (data.length > 0) yield data.join("\n");
    } finally {
        reader.releaseLock();
    }
}
