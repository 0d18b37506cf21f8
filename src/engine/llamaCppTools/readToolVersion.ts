import {execFile} from "node:child_process";
import {parseLlamaCppVersion, type LlamaCppVersion} from "./parseLlamaCppVersion.js";

/** How long `<tool> --version` may take; a CUDA build initialises its devices first. */
export const TOOL_VERSION_TIMEOUT_MS = 15_000;
/** Output kept from `--version`; a real one is two lines. */
const MAX_VERSION_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs `<binary> --version` and parses what it prints (llama.cpp writes it to stderr), or returns
 * a reason why it could not: not executable, timed out, printed no version.
 */
export function readToolVersion(binary: string): Promise<{version: LlamaCppVersion} | {problem: string}> {
    return new Promise((resolve) => {
        execFile(binary, ["--version"], {timeout: TOOL_VERSION_TIMEOUT_MS, maxBuffer: MAX_VERSION_OUTPUT_BYTES, killSignal: "SIGKILL"},
            (error, stdout, stderr) => {
                const version = parseLlamaCppVersion(`${stderr}\n${stdout}`);
                if (version !== undefined) resolve({version});
                else if (error !== null && (error as NodeJS.ErrnoException).code === "EACCES") resolve({problem: "is not executable"});
                else if (error !== null && error.killed) resolve({problem: `did not answer --version within ${TOOL_VERSION_TIMEOUT_MS / 1000} s`});
                else resolve({problem: "printed no llama.cpp version for --version"});
            });
    });
}
