import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A data set file that is missing, too big or not MATH/AIME-style JSONL. */
export class DatasetError extends R1Error {
    constructor(readonly path: string, readonly reason: string, readonly line?: number) {
        super(`Data set ${path}${line === undefined ? "" : ` line ${line}`}: ${reason}.`, {
            exitCode: ExitCode.badFile,
            hint: "pass --dataset with a JSONL file whose lines have \"problem\" and \"answer\" (MATH-500 or AIME 2024 format), or math500 / aime24"
        });
    }
}
