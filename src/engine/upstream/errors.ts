import {ExitCode, R1Error} from "../../util/R1Error.js";

/** The upstream server could not be reached, refused the request, or broke the protocol; one line. */
export class UpstreamError extends R1Error {
    /** The upstream's base URL. */
    readonly url: string;
    /** HTTP status, when there was an answer. */
    readonly status?: number;

    constructor(url: string, reason: string, options: {status?: number, hint?: string, exitCode?: number} = {}) {
        super(`upstream ${url}: ${reason}`, {
            exitCode: options.exitCode ?? ExitCode.network,
            hint: options.hint ?? "check that the server runs and speaks the OpenAI API (`curl URL/v1/models`)"
        });
        this.url = url;
        if (options.status !== undefined) this.status = options.status;
    }
}
