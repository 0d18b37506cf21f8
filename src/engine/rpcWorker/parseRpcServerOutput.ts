/** One device a ggml-rpc-server offers. */
export interface RpcDevice {
    /** ggml's device name, e.g. `CPU`, `CUDA0`. */
    readonly name: string;
    readonly description: string;
    readonly totalBytes: number;
    readonly freeBytes: number;
}

const MIB = 1024 * 1024;

/**
 * The devices from ggml-rpc-server's start-up banner (`Devices:` then `  CUDA0: NVIDIA … (24080 MiB,
 * 23500 MiB free)`), and its protocol version from `Starting RPC server v6.0.0`.
 */
export function parseRpcServerBanner(lines: readonly string[]): {version?: string, devices: RpcDevice[]} {
    let version: string | undefined;
    const devices: RpcDevice[] = [];
    let inDevices = false;
    for (const line of lines) {
        const start = /^Starting RPC server v(\d+\.\d+\.\d+)/.exec(line);
        if (start !== null) version = start[1];
        if (/^Devices:/.test(line)) {
            inDevices = true;
            continue;
        }
        if (!inDevices) continue;
        const device = /^\s+([^:\s]+): (.*) \((\d+) MiB, (\d+) MiB free\)\s*$/.exec(line);
        if (device === null) {
            inDevices = false;
            continue;
        }
        devices.push({name: device[1]!, description: device[2]!, totalBytes: Number(device[3]) * MIB, freeBytes: Number(device[4]) * MIB});
    }
    return {...version === undefined ? {} : {version}, devices};
}
