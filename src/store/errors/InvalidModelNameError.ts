import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A model or file name that is malformed or could point outside the store. */
export class InvalidModelNameError extends R1Error {
    readonly modelName: string;
    readonly reason: string;

    constructor(modelName: string, reason: string) {
        super(`invalid model name ${JSON.stringify(modelName.slice(0, 120))}: ${reason}`, {
            exitCode: ExitCode.usage,
            hint: "use a catalog name (deepseek-r1:14b), hf:OWNER/REPO/FILE.gguf or a path to a .gguf file"
        });
        this.modelName = modelName;
        this.reason = reason;
    }
}
