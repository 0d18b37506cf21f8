import type {Argv} from "yargs";
import {parseRpcEndpoint} from "../../engine/rpcProtocol/probeRpcWorker.js";
import {singleValue, usageError, validated} from "./optionValue.js";

export interface RpcFlags {
    /** `host:port,host:port`, checked; `parseRpcList` splits it. */
    rpc?: string;
}

const EXAMPLE = "for example --rpc 192.168.1.20:50052,192.168.1.21:50052";

/** `--rpc`'s value, each `host:port` checked for its form (reaching the workers is the command's business). */
export function parseRpcOption(value: unknown): string {
    const list = String(singleValue("rpc", value as string | string[]));
    const endpoints = list.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
    if (endpoints.length === 0) throw usageError("--rpc needs host:port entries", EXAMPLE);
    for (const endpoint of endpoints) {
        try {
            parseRpcEndpoint(endpoint);
        } catch {
            throw usageError(`--rpc ${endpoint} is not host:port (a port from 1 to 65535)`, EXAMPLE);
        }
    }
    return list;
}

/** `--rpc host:port,host:port` (llama.cpp's spelling): r1 workers to split the model over. `describe` says what the command does with them. */
export function withRpc<T>(yargs: Argv<T>, options: {describe: string}): Argv<T & RpcFlags> {
    const y = yargs.option("rpc", {type: "string", describe: options.describe});
    return validated(y, ["rpc"], parseRpcOption) as unknown as Argv<T & RpcFlags>;
}
