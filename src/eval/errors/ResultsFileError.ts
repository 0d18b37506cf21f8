import {ExitCode, R1Error} from "../../util/R1Error.js";

/** The results JSONL cannot be used: exists without `--resume`, belongs to another run, or is not a results file. */
export class ResultsFileError extends R1Error {
    constructor(readonly path: string, reason: string, hint: string) {
        super(`Results file ${path}: ${reason}.`, {exitCode: ExitCode.usage, hint});
    }
}
