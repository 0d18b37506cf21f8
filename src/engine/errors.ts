import {ExitCode, R1Error} from "../util/R1Error.js";

/** The GGUF file could not be loaded by llama.cpp (missing, truncated, unknown architecture, too big). */
export class ModelLoadError extends R1Error {
    readonly path: string;

    constructor(path: string, reason: string, options: {cause?: unknown, hint?: string} = {}) {
        super(`cannot load ${path}: ${reason}`, {
            exitCode: ExitCode.badFile,
            hint: options.hint ?? "check the file with `r1 inspect`, or pull it again",
            cause: options.cause
        });
        this.path = path;
    }
}

/** Every sequence of the model's context is busy with another generation. */
export class NoFreeSequenceError extends R1Error {
    readonly parallel: number;

    constructor(parallel: number) {
        super(`all ${parallel} generation slot(s) of this model are busy`, {hint: "retry when a reply has finished, or load it with more parallel slots"});
        this.parallel = parallel;
    }
}

/** The prompt does not fit in the context with room for a reply. */
export class ContextOverflowError extends R1Error {
    readonly promptTokens: number;
    readonly contextSize: number;

    /** `promptTokens` is a lower bound (the prompt was refused by its length, before tokenizing). */
    readonly atLeast: boolean;

    constructor(promptTokens: number, contextSize: number, options: {atLeast?: boolean} = {}) {
        super(`the prompt is ${options.atLeast === true ? "at least " : ""}${promptTokens} tokens but the context holds ${contextSize}`,
            {hint: "use a larger context (-c N) or a shorter conversation (/clear)"});
        this.promptTokens = promptTokens;
        this.contextSize = contextSize;
        this.atLeast = options.atLeast === true;
    }
}

/**
 * The engine cannot honour a generation option (tools on an engine without them, a JSON Schema
 * feature its grammar cannot express, a tool name that was not offered). Servers answer it as a
 * 400 naming `option`; nothing is ever dropped silently.
 */
export class UnsupportedOptionError extends R1Error {
    /** The option as `GenerationOptions` names it (`tools`, `responseFormat`, `toolChoice`…), or a path inside it. */
    readonly option: string;
    /** What is wrong, without the option's name (servers prefix their own field name). */
    readonly reason: string;

    constructor(option: string, reason: string, options: {hint?: string} = {}) {
        super(`${option}: ${reason}`, {exitCode: ExitCode.usage, ...(options.hint === undefined ? {} : {hint: options.hint})});
        this.option = option;
        this.reason = reason;
    }
}

/**
 * `--engine embedded` asked for a model whose architecture node-llama-cpp's AMX kernels abort on
 * (`embeddedAbortsOnAmx`): refused before loading, since the abort would kill r1 itself (SIGABRT).
 */
export class EmbeddedAmxAbortError extends R1Error {
    readonly architecture: string;

    constructor(architecture: string) {
        super(`--engine embedded cannot run ${architecture} on this AMX CPU: node-llama-cpp 3.21.1's AMX weight buffers make llama.cpp abort on it, and it cannot turn them off`,
            {exitCode: ExitCode.usage, hint: "use --engine llama-server (or auto): r1 runs it there with --no-repack"});
        this.architecture = architecture;
    }
}
