import type {Argv} from "yargs";
import {usageError} from "./optionValue.js";

/** What a model argument may be, said the same way by every command that takes one. */
/** Longest model name or path accepted (Linux's PATH_MAX). */
export const MAX_MODEL_ARGUMENT_LENGTH = 4096;

export const MODEL_ARGUMENT_HELP = "a model's name (`r1 ls`, `r1 ls --all`, a catalog name such as deepseek-r1:7b) or a path to a .gguf file";

export function parseModelName(value: unknown, flag = "model"): string {
    const name = String(value).trim();
    if (name === "") throw usageError(`--${flag} needs a model name or a .gguf path`);
    if (name.length > MAX_MODEL_ARGUMENT_LENGTH) throw usageError(`--${flag} is ${name.length} characters, more than a model name or path can be (${MAX_MODEL_ARGUMENT_LENGTH})`);
    return name;
}

/** `-m` / `--model` (llama.cpp's spelling); `array` when the command takes several. */
export function withModelOption<T, A extends boolean>(yargs: Argv<T>, options: {array: A, describe: string}): Argv<T & {model?: A extends true ? string[] : string, m?: A extends true ? string[] : string}> {
    return yargs
        .option("model", {type: "string", alias: "m", ...options.array ? {array: true} : {}, describe: options.describe})
        .middleware((argv: Record<string, unknown>) => {
            if (argv.model === undefined) return;
            const parsed = Array.isArray(argv.model) ? argv.model.map((name) => parseModelName(name)) : parseModelName(argv.model);
            if (!options.array && Array.isArray(parsed)) throw usageError("--model was given more than once", "this command takes one model");
            argv.model = parsed;
            argv.m = parsed;
        }) as unknown as Argv<T & {model?: A extends true ? string[] : string, m?: A extends true ? string[] : string}>;
}
