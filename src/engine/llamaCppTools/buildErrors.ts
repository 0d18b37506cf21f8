import {ExitCode, R1Error} from "../../util/R1Error.js";

/** Something `r1 engine build` needs (cmake, a C++ compiler, git, the CUDA toolkit…) is not installed. */
export class BuildPrerequisiteMissingError extends R1Error {
    /** What is missing, e.g. `cmake`. */
    readonly missing: string;

    constructor(missing: string, hint: string) {
        super(`r1 engine build needs ${missing}, which is not installed`, {exitCode: ExitCode.notFound, hint});
        this.missing = missing;
    }
}

/** A step of the build (clone, cmake configure, compile) failed; the tail of its output says why. */
export class LlamaCppBuildError extends R1Error {
    readonly step: string;
    readonly logFile: string;

    constructor(step: string, detail: string, logFile: string) {
        super(`llama.cpp ${step} failed: ${detail}`, {hint: `the full output is in ${logFile}; run \`r1 engine build\` again to resume`});
        this.step = step;
        this.logFile = logFile;
    }
}
