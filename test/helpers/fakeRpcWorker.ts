import net from "node:net";

/** What a scripted RPC worker answers. */
export interface FakeRpcWorkerOptions {
    /** Protocol version in the HELLO answer. Defaults to `[6, 0, 0]`. */
    version?: readonly [number, number, number];
    /** Free and total bytes per device. Defaults to one device of 256 GiB. */
    devices?: Array<{free: number, total: number}>;
    /** Instead of the protocol: write this and close (a port that is not an RPC worker), or stay silent (`"silent"`). */
    behaviour?: {garbage: string} | "silent";
}

/**
 * A loopback server speaking the part of llama.cpp's RPC protocol r1's probe uses (HELLO,
 * DEVICE_COUNT, GET_DEVICE_MEMORY), to test planning against workers of any size or version.
 */
export async function startFakeRpcWorker(options: FakeRpcWorkerOptions = {}): Promise<{endpoint: string, close: () => Promise<void>}> {
    const devices = options.devices ?? [{free: 256 * 2 ** 30, total: 256 * 2 ** 30}];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
        if (options.behaviour === "silent") return;
        if (options.behaviour !== undefined) {
            socket.end(options.behaviour.garbage);
            return;
        }
        let buffered = Buffer.alloc(0);
        socket.on("data", (data: Buffer) => {
            buffered = Buffer.concat([buffered, data]);
            while (buffered.length >= 9) {
                const cmd = buffered.readUInt8(0);
                const size = Number(buffered.readBigUInt64LE(1));
                if (buffered.length < 9 + size) return;
                const payload = buffered.subarray(9, 9 + size);
                buffered = buffered.subarray(9 + size);
                socket.write(answer(cmd, payload));
            }
        });
    });
    const answer = (cmd: number, payload: Buffer): Buffer => {
        const message = (body: Buffer) => {
            const header = Buffer.alloc(8);
            header.writeBigUInt64LE(BigInt(body.length), 0);
            return Buffer.concat([header, body]);
        };
        if (cmd === 14) {
            const body = Buffer.alloc(28);
            const [major, minor, patch] = options.version ?? [6, 0, 0];
            body.writeUInt8(major, 0);
            body.writeUInt8(minor, 1);
            body.writeUInt8(patch, 2);
            return message(body);
        }
        if (cmd === 15) {
            const body = Buffer.alloc(4);
            body.writeUInt32LE(devices.length, 0);
            return message(body);
        }
        if (cmd === 11) {
            const device = devices[payload.readUInt32LE(0)]!;
            const body = Buffer.alloc(16);
            body.writeBigUInt64LE(BigInt(device.free), 0);
            body.writeBigUInt64LE(BigInt(device.total), 8);
            return message(body);
        }
        return message(Buffer.alloc(0));
    };
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    return {
        endpoint: `127.0.0.1:${port}`,
        close: () => new Promise((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
        })
    };
}
