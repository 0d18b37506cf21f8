import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A pulled model whose files no longer match its manifest (deleted or truncated by hand). */
export class DamagedModelError extends R1Error {
    readonly modelName: string;
    readonly problem: string;

    constructor(modelName: string, problem: string) {
        super(`model ${modelName} is damaged: ${problem}`, {
            exitCode: ExitCode.badFile,
            hint: `run \`r1 rm ${modelName}\` and \`r1 pull ${modelName}\` again`
        });
        this.modelName = modelName;
        this.problem = problem;
    }
}
