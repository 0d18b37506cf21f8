import {ExitCode, R1Error} from "../util/R1Error.js";

/** The run was stopped by its AbortSignal (Ctrl-C). */
export class QuantizeInterruptedError extends R1Error {
    constructor() {
        super("quantization interrupted; no output was written", {exitCode: ExitCode.interrupted});
    }
}
