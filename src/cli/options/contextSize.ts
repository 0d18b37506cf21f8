import type {Argv} from "yargs";
import {MAX_CONTEXT_SIZE, MIN_CONTEXT_SIZE} from "../../engine/loadLimits.js";
import {validated, wholeNumber} from "./optionValue.js";

export interface ContextSizeFlags {
    /** Tokens of context; the same value under `c`, `ctx-size` and `ctx`. */
    c?: number;
    "ctx-size"?: number;
    ctx?: number;
}

const NAMES = ["ctx-size", "c", "ctx"] as const;

/** A context size as every command takes it: a whole number of tokens within r1's limits. */
export function parseContextSize(value: unknown, flag = "ctx-size"): number {
    return wholeNumber(flag, value, MIN_CONTEXT_SIZE, MAX_CONTEXT_SIZE, "for example -c 8192");
}

/**
 * `-c` / `--ctx-size` / `--ctx` (llama.cpp spells it `-c, --ctx-size`): tokens of context, from
 * `MIN_CONTEXT_SIZE` to `MAX_CONTEXT_SIZE`. `describe` says what the command does with it.
 */
export function withContextSize<T>(yargs: Argv<T>, options: {default?: number, describe: string}): Argv<T & ContextSizeFlags> {
    const y = yargs.option("ctx-size", {type: "number", alias: ["c", "ctx"], ...options.default === undefined ? {} : {default: options.default},
        describe: `${options.describe}; ${MIN_CONTEXT_SIZE} to ${MAX_CONTEXT_SIZE.toLocaleString("en-US")}`});
    return validated(y, NAMES, (value) => parseContextSize(value)) as unknown as Argv<T & ContextSizeFlags>;
}
