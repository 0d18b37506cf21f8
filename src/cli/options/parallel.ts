import type {Argv} from "yargs";
import {MAX_PARALLEL_SEQUENCES} from "../../engine/loadLimits.js";
import {validated, wholeNumber} from "./optionValue.js";

export interface ParallelFlags {
    /** The same value under `parallel` and `np`. */
    parallel: number;
    np?: number;
}

export function parseParallel(value: unknown, max = MAX_PARALLEL_SEQUENCES): number {
    return wholeNumber("parallel", value, 1, max);
}

/**
 * `-np` / `--parallel` (llama-server's spelling): how many at once, 1 to `MAX_PARALLEL_SEQUENCES`
 * sequences of a loaded model (`max` only for what is not sequences here: `r1 eval`'s requests in
 * flight to any server). `-np` has one dash, so one-dash groups are not split.
 */
export function withParallel<T>(yargs: Argv<T>, options: {default: number, describe: string, max?: number}): Argv<T & ParallelFlags> {
    const max = options.max ?? MAX_PARALLEL_SEQUENCES;
    const y = yargs.parserConfiguration({"short-option-groups": false})
        .option("parallel", {type: "number", alias: "np", default: options.default, describe: `${options.describe}; 1 to ${max}`});
    return validated(y, ["parallel", "np"], (value) => parseParallel(value, max)) as unknown as Argv<T & ParallelFlags>;
}
