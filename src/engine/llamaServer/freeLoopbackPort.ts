import net from "node:net";

/**
 * A TCP port free on 127.0.0.1 right now (the OS picks it). Another process may take it before
 * llama-server binds it; the caller retries with a new one when that happens.
 */
export function freeLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")));
        });
    });
}
