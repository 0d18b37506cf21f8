import type {Argv} from "yargs";
import {singleValue, usageError, validated, wholeNumber} from "./optionValue.js";

/** Highest TCP port. */
export const MAX_PORT = 65_535;

export interface HostPortFlags {
    host: string;
    port: number;
}

export function parsePort(value: unknown): number {
    return wholeNumber("port", value, 0, MAX_PORT, "0 picks a free port");
}

export function parseHost(value: unknown): string {
    const host = String(singleValue("host", value as string | string[])).trim();
    if (host === "" || /[\s/]/.test(host)) throw usageError(`--host ${JSON.stringify(host)} is not an address`, "for example --host 127.0.0.1, or 0.0.0.0 for every interface");
    return host;
}

/** `--host` and `--port` of something r1 listens on; `what` is said in the help (the server, a worker). */
export function withHostPort<T>(yargs: Argv<T>, options: {host: string, port: number, hostDescribe: string, portDescribe: string}): Argv<T & HostPortFlags> {
    let y = yargs
        .option("host", {type: "string", default: options.host, describe: options.hostDescribe})
        .option("port", {type: "number", default: options.port, describe: `${options.portDescribe} (0 to ${MAX_PORT}; 0 picks a free one)`});
    y = validated(y, ["host"], parseHost);
    return validated(y, ["port"], parsePort) as unknown as Argv<T & HostPortFlags>;
}
