import type {Argv} from "yargs";
import {flagName, usageError} from "./optionValue.js";

/**
 * A spelling that used to mean something else in this command (`-p` was the prompt length of
 * `r1 bench`; in r1, `-p` is a prompt): hidden from help, and refused with the new name instead of
 * being read as something else.
 */
export function withRetiredFlag<T>(yargs: Argv<T>, flag: string, options: {command: string, meaning: string, now: string, example: string}): Argv<T> {
    return yargs
        .option(flag, {type: "string", hidden: true})
        .middleware((argv: Record<string, unknown>) => {
            if (argv[flag] === undefined) return;
            throw usageError(`${options.command} has no ${flagName(flag)} (${options.meaning}); use ${options.now}`, `for example \`${options.example}\``);
        }) as Argv<T>;
}
