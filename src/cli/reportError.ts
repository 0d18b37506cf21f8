import pc from "picocolors";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {formatErrorLine} from "./formatErrorLine.js";

/**
 * Prints one line for a user-facing failure and exits with its code. Errors that are not
 * `R1Error`s are bugs: they print their message and, with `R1_DEBUG=1`, the stack.
 */
export function reportError(error: unknown, options: {usage?: boolean} = {}): never {
    if (error instanceof R1Error) {
        process.stderr.write(`${formatErrorLine(error)}\n`);
        process.exit(error.exitCode);
    }
    if (typeof error === "string") {
        process.stderr.write(`${formatErrorLine({message: error, hint: "see `r1 --help`"})}\n`);
        process.exit(options.usage === true ? ExitCode.usage : ExitCode.failure);
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${pc.red("r1: unexpected error:")} ${message}\n`);
    if (process.env.R1_DEBUG === "1" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write(pc.dim("set R1_DEBUG=1 for details and report it as a bug\n"));
    process.exit(ExitCode.failure);
}
