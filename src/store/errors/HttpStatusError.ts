import {ExitCode, R1Error} from "../../util/R1Error.js";

/** An HTTP status the downloader does not retry (4xx other than 408/429), or a 5xx that outlived the retries. */
export class HttpStatusError extends R1Error {
    readonly status: number;
    readonly url: string;

    constructor(status: number, url: string) {
        super(`HTTP ${status} from ${url}`, {
            exitCode: ExitCode.network,
            hint: status >= 500 ? "the server is failing; try again later (the download resumes)" : undefined
        });
        this.status = status;
        this.url = url;
    }
}
