import {ExitCode, R1Error} from "../../util/R1Error.js";

/** The OpenAI-compatible endpoint failed a request: unreachable, an HTTP error, or a reply that is not a chat completion. */
export class EndpointError extends R1Error {
    constructor(readonly url: string, readonly reason: string, readonly status?: number, options: {retryable?: boolean, cause?: unknown} = {}) {
        super(`${url}: ${reason}.`, {
            exitCode: ExitCode.network,
            hint: "check that the server runs (`r1 serve`) and that --endpoint, --model and --api-key are right",
            cause: options.cause
        });
        this.retryable = options.retryable ?? false;
    }

    /** Whether trying the same request again may succeed (network failure, 429, 5xx). */
    readonly retryable: boolean;
}
