import {ExitCode, R1Error} from "../../util/R1Error.js";

/**
 * Base of every GGUF format error: the file (or URL) is not a GGUF r1 can read.
 * Carries where in the file the problem is and why, so a caller can report or test it exactly.
 */
export class GgufError extends R1Error {
    /** Byte offset in the file where the problem was found (`-1` when not tied to a position). */
    readonly offset: number;
    /** Short machine-checkable reason, e.g. `"truncated"`, `"duplicate-key"`. */
    readonly reason: string;
    /** Path or URL of the file, when known. */
    source?: string;

    constructor(reason: string, message: string, offset: number, options: {hint?: string, exitCode?: number, cause?: unknown} = {}) {
        super(message, {exitCode: options.exitCode ?? ExitCode.badFile, hint: options.hint, cause: options.cause});
        this.reason = reason;
        this.offset = offset;
    }
}
