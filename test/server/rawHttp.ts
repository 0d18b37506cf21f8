import net from "node:net";

export interface HangUpOptions {
    /** Body bytes to read before hanging up (counted after the headers); 0 hangs up right after the headers. Defaults to 200. */
    afterBodyBytes?: number;
    /** Hang up this long after sending, whatever came back (a client that times out). Defaults to none. */
    afterMs?: number;
}

/**
 * A raw HTTP/1.1 client that sends one POST, reads part of the answer and destroys the socket,
 * as `curl -N … | head -c 200` or a closed browser tab does: no SDK abort logic in between.
 * Resolves with what it read.
 */
export function postAndHangUp(url: string, path: string, body: object, options: HangUpOptions = {}): Promise<string> {
    const {hostname, port} = new URL(url);
    const payload = Buffer.from(JSON.stringify(body));
    const wantBody = options.afterBodyBytes ?? 200;
    return new Promise((resolve, reject) => {
        const socket = net.connect({host: hostname, port: Number(port)});
        let received = "";
        let timer: NodeJS.Timeout | undefined;
        const hangUp = () => {
            clearTimeout(timer);
            socket.destroy();
            resolve(received);
        };
        socket.on("connect", () => {
            socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
                `Content-Length: ${payload.length}\r\nConnection: keep-alive\r\n\r\n`);
            socket.write(payload);
            if (options.afterMs !== undefined) timer = setTimeout(hangUp, options.afterMs);
        });
        socket.on("data", (chunk: Buffer) => {
            received += chunk.toString("latin1");
            const headerEnd = received.indexOf("\r\n\r\n");
            if (options.afterMs === undefined && headerEnd >= 0 && received.length - headerEnd - 4 >= wantBody) hangUp();
        });
        socket.on("error", reject);
        socket.on("close", () => {
            clearTimeout(timer);
            resolve(received);
        });
    });
}

export interface RawRequest {
    method?: string;
    path: string;
    /** Sent as given (`Host` included, so a test can send any); `Content-Length` is added for a body. */
    headers?: Record<string, string>;
    body?: string;
}

export interface RawResponse {
    status: number;
    headers: Record<string, string>;
    body: string;
}

/**
 * One HTTP/1.1 request over a raw socket with exactly the headers given (fetch would set its own
 * `Host` and `Origin`), read until the server closes (`Connection: close`).
 */
export function rawRequest(url: string, request: RawRequest): Promise<RawResponse> {
    const {hostname, port} = new URL(url);
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers = {...request.headers, ...(body === undefined ? {} : {"Content-Length": String(body.length)}), Connection: "close"};
    return new Promise((resolve, reject) => {
        const socket = net.connect({host: hostname, port: Number(port)});
        const chunks: Buffer[] = [];
        socket.on("connect", () => {
            socket.write(`${request.method ?? "GET"} ${request.path} HTTP/1.1\r\n` +
                Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n");
            if (body !== undefined) socket.write(body);
        });
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("error", reject);
        socket.on("close", () => {
            // latin1 keeps one character per byte, so chunk sizes count right; the body is decoded at the end.
            const text = Buffer.concat(chunks).toString("latin1");
            const headerEnd = text.indexOf("\r\n\r\n");
            const [statusLine = "", ...lines] = text.slice(0, headerEnd < 0 ? text.length : headerEnd).split("\r\n");
            const parsedHeaders: Record<string, string> = {};
            for (const line of lines) {
                const colon = line.indexOf(":");
                if (colon > 0) parsedHeaders[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
            }
            let rest = headerEnd < 0 ? "" : text.slice(headerEnd + 4);
            if (parsedHeaders["transfer-encoding"] === "chunked") rest = dechunk(rest);
            resolve({status: Number(statusLine.split(" ")[1] ?? 0), headers: parsedHeaders, body: Buffer.from(rest, "latin1").toString("utf8")});
        });
    });
}

function dechunk(text: string): string {
    let out = "";
    let at = 0;
    for (;;) {
        const lineEnd = text.indexOf("\r\n", at);
        if (lineEnd < 0) return out;
        const size = parseInt(text.slice(at, lineEnd), 16);
        if (!(size > 0)) return out;
        out += text.slice(lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
    }
}
