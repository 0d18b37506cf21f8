import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A name that is neither a pulled model nor an existing file. */
export class ModelNotFoundError extends R1Error {
    readonly modelName: string;

    constructor(modelName: string, options: {partial?: boolean} = {}) {
        super(options.partial === true
            ? `model ${modelName} is only partly downloaded`
            : `model ${modelName} is not pulled`, {
            exitCode: ExitCode.notFound,
            hint: options.partial === true
                ? `run \`r1 pull ${modelName}\` to finish it (it resumes)`
                : `run \`r1 pull ${modelName}\` first, or pass a path to a .gguf file (\`r1 ls\` lists pulled models)`
        });
        this.modelName = modelName;
    }
}
