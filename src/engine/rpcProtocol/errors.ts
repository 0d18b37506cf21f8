import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A `--rpc` worker cannot be used: unresolvable, closed, not an RPC worker, another version. */
export class RpcWorkerUnreachableError extends R1Error {
    readonly endpoint: string;

    constructor(endpoint: string, reason: string, hint = "start `r1 worker` there (same r1 version), and check the address and port") {
        super(`RPC worker ${endpoint} ${reason}`, {exitCode: ExitCode.network, hint});
        this.endpoint = endpoint;
    }
}
