import {ExitCode, R1Error} from "../../util/R1Error.js";

/**
 * A name that is neither a pulled model nor an existing file. `unknown`: not a name r1 could pull
 * either (a typo, `README.md`), so the hint does not suggest `r1 pull`.
 */
export class ModelNotFoundError extends R1Error {
    readonly modelName: string;

    constructor(modelName: string, options: {partial?: boolean, unknown?: boolean, cause?: unknown} = {}) {
        super(options.partial === true ? `model ${modelName} is only partly downloaded`
            : options.unknown === true ? `no model or file named ${modelName}`
            : `model ${modelName} is not pulled`, {
            exitCode: ExitCode.notFound,
            hint: options.partial === true ? `run \`r1 pull ${modelName}\` to finish it (it resumes)`
                : options.unknown === true ? "`r1 ls --all` lists the models on this machine, `r1 plan` the ones r1 can pull; a path to a .gguf file works too"
                : `run \`r1 pull ${modelName}\` first, or pass a path to a .gguf file (\`r1 ls\` lists pulled models)`,
            cause: options.cause
        });
        this.modelName = modelName;
    }
}
