import net from "node:net";

/**
 * Whether something listens on 127.0.0.1:`port` now: binding it fails with EADDRINUSE. Used after
 * llama-server exited early, when its "couldn't bind" log line may be lost (llama.cpp's
 * background logger does not always flush its last lines at exit).
 */
export function loopbackPortInUse(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.unref();
        server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE"));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
    });
}
