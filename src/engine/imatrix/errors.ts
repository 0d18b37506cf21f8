import {ExitCode, R1Error} from "../../util/R1Error.js";

/** llama-imatrix failed; the message carries its last error line. */
export class ImatrixRunError extends R1Error {
    constructor(readonly detail: string, hint?: string) {
        super(`llama-imatrix failed: ${detail}`, {exitCode: ExitCode.failure, ...(hint === undefined ? {} : {hint})});
    }
}
