import type {Argv} from "yargs";
import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A command-line value r1 refuses, before any work starts: one line with the fix, exit code 2. */
export function usageError(message: string, hint?: string): R1Error {
    return new R1Error(message, {exitCode: ExitCode.usage, ...hint === undefined ? {} : {hint}});
}

/** llama.cpp's one-dash spellings of more than one letter. */
const ONE_DASH = new Set(["ngl", "np", "ctk", "ctv", "ot"]);

/** How a flag is written in messages: `-c`, `-ngl` (llama.cpp's one-dash spellings), `--ctx-size`. */
export function flagName(name: string): string {
    return name.length === 1 || ONE_DASH.has(name) ? `-${name}` : `--${name}`;
}

/**
 * The one value of a flag given once, or several times with the same value (yargs hands over an
 * array then, also when two aliases were used). Different values are refused rather than one
 * silently winning.
 */
export function singleValue<T>(flag: string, value: T | T[]): T {
    if (!Array.isArray(value)) return value;
    if (new Set(value.map((v) => (typeof v === "string" ? v.toLowerCase() : v))).size > 1)
        throw usageError(`${flagName(flag)} was given different values (${value.join(", ")})`, "give it once");
    return value[0]!;
}

/** A whole number from `min` to `max`, or a usage error that says the range. */
export function wholeNumber(flag: string, value: unknown, min: number, max: number, hint?: string): number {
    const single = singleValue(flag, value as number | number[]);
    if (typeof single !== "number" || !Number.isInteger(single) || single < min || single > max)
        throw usageError(`${flagName(flag)} must be a whole number from ${min} to ${max}, got ${typeof single === "number" && Number.isNaN(single) ? "something else" : String(single)}`, hint);
    return single;
}

function camelCase(name: string): string {
    return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Registers a check that runs once the command's flags are parsed, before its handler: `parse`
 * gets the flag's value (undefined when absent and without default) and returns the value the
 * handler sees under every spelling (`c`, `ctx-size`, `ctxSize`, `ctx`). A thrown R1Error reaches
 * the user as is (yargs passes middleware errors through unchanged).
 */
export function validated<T, V>(yargs: Argv<T>, names: readonly string[], parse: (value: unknown) => V | undefined): Argv<T> {
    return yargs.middleware((argv: Record<string, unknown>) => {
        const value = names.map((name) => argv[name]).find((v) => v !== undefined);
        if (value === undefined) return;
        const parsed = parse(value);
        for (const name of names) {
            argv[name] = parsed;
            argv[camelCase(name)] = parsed;
        }
    }) as Argv<T>;
}
