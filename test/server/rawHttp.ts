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
