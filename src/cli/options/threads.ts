import type {Argv} from "yargs";
import {validated, wholeNumber} from "./optionValue.js";

/** Most threads any command accepts: far past any machine, short of a typo's extra zeros. */
export const MAX_THREADS = 1024;

export interface ThreadsFlags {
    /** The same value under `t` and `threads`. */
    t?: number;
    threads?: number;
}

export function parseThreads(value: unknown): number {
    return wholeNumber("threads", value, 1, MAX_THREADS, "for example -t 4");
}

/** `-t` / `--threads`: CPU threads, 1 to `MAX_THREADS`. `describe` says whose threads and the default. */
export function withThreads<T>(yargs: Argv<T>, options: {describe: string}): Argv<T & ThreadsFlags> {
    const y = yargs.option("threads", {type: "number", alias: "t", describe: options.describe});
    return validated(y, ["threads", "t"], parseThreads) as unknown as Argv<T & ThreadsFlags>;
}
