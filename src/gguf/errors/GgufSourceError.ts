import {ExitCode} from "../../util/R1Error.js";
import {GgufError} from "./GgufError.js";

/** The file or URL cannot be opened or read at all (missing file, HTTP error, network down). */
export class GgufSourceError extends GgufError {
    /** HTTP status when the source is a URL and the server answered. */
    readonly status?: number;

    constructor(source: string, message: string, options: {notFound?: boolean, network?: boolean, status?: number, hint?: string, cause?: unknown} = {}) {
        super(options.notFound === true ? "not-found" : options.network === true ? "network" : "io", message, -1, {
            exitCode: options.notFound === true ? ExitCode.notFound : options.network === true ? ExitCode.network : ExitCode.failure,
            hint: options.hint,
            cause: options.cause
        });
        this.source = source;
        if (options.status !== undefined) this.status = options.status;
    }
}
