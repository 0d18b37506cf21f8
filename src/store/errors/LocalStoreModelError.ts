import {ExitCode, R1Error} from "../../util/R1Error.js";

const FIX: Record<string, string> = {
    ollama: "finish it with `ollama pull`",
    lmstudio: "finish the download in LM Studio",
    "hf-cache": "finish the download with `hf download` (or pull it with `r1 pull`)",
    "llama.cpp": "finish the download with `llama-cli -hf` (or pull it with `r1 pull`)"
};

/** A model named in another program's store that is not there, or is there but cannot run (incomplete, not a GGUF). */
export class LocalStoreModelError extends R1Error {
    readonly modelName: string;

    constructor(modelName: string, found?: {origin: string, problem?: string}) {
        super(found === undefined
            ? `no model ${modelName} in the other programs' stores on this machine`
            : `${modelName} (${found.origin}) cannot run: ${found.problem ?? "unusable"}`, {
            exitCode: found === undefined ? ExitCode.notFound : ExitCode.badFile,
            hint: found === undefined
                ? "`r1 ls --all` lists the models r1 found in Ollama, LM Studio and the Hugging Face and llama.cpp caches"
                : `${FIX[found.origin] ?? "finish its download"}, or pick another from \`r1 ls --all\``
        });
        this.modelName = modelName;
    }
}
