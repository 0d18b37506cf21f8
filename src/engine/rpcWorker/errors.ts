import {ExitCode, R1Error} from "../../util/R1Error.js";

/** `r1 worker` would expose llama.cpp's unauthenticated RPC beyond loopback without `--allow`. */
export class RpcWorkerExposedError extends R1Error {
    readonly host: string;

    constructor(host: string) {
        super(`r1 worker will not listen on ${host} without --allow: llama.cpp's RPC protocol has no authentication and no encryption`, {
            exitCode: ExitCode.usage,
            hint: "add --allow with the main host's address or network (e.g. --allow 192.168.1.20 or --allow 192.168.1.0/24)"
        });
        this.host = host;
    }
}

/** ggml-rpc-server did not start, or the relay could not listen. */
export class RpcWorkerStartError extends R1Error {
    readonly logTail: readonly string[];

    constructor(reason: string, logTail: readonly string[], options: {hint?: string} = {}) {
        super(`the RPC worker did not start: ${reason}`, {hint: options.hint ?? "check the address and port, or run with R1_DEBUG=1 for ggml-rpc-server's output"});
        this.logTail = logTail;
    }
}

