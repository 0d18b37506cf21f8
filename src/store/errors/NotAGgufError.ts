import {ExitCode, R1Error} from "../../util/R1Error.js";

/** The downloaded bytes are what the hub has, but not a GGUF r1 can read. */
export class NotAGgufError extends R1Error {
    readonly modelName: string;

    constructor(modelName: string, reason: string) {
        super(`${modelName} downloaded, but it is not a readable GGUF: ${reason}`, {
            exitCode: ExitCode.badFile,
            hint: `run \`r1 rm ${modelName}\` to delete it`
        });
        this.modelName = modelName;
    }
}
