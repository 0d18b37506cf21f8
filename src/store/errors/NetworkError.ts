import {ExitCode, R1Error} from "../../util/R1Error.js";

/** The server could not be reached, or the connection kept dropping until the retries ran out. */
export class NetworkError extends R1Error {
    readonly url: string;
    /** The system error code when there is one (ECONNREFUSED, ENOTFOUND, ECONNRESET…). */
    readonly code?: string;

    /** `resumable`: part of a file is on disk, so running the command again resumes it. Defaults to `false`. */
    constructor(url: string, reason: string, options: {code?: string, cause?: unknown, resumable?: boolean} = {}) {
        let host = url;
        try {
            host = new URL(url).host;
        } catch {
            // keep the raw string
        }
        super(`cannot download from ${host}: ${reason}`, {
            exitCode: ExitCode.network,
            hint: options.resumable === true
                ? "check the network connection (and HF_ENDPOINT if set); run the same command again to resume"
                : "check the network connection (and HF_ENDPOINT if set), then try again",
            cause: options.cause
        });
        this.url = url;
        if (options.code !== undefined) this.code = options.code;
    }
}
