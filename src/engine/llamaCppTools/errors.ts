import {ExitCode, R1Error} from "../../util/R1Error.js";
import type {FoundLlamaCppTools, LlamaCppInstall, LlamaCppToolName} from "./types.js";

/** How to get llama.cpp's tools, for hints. */
export const ENGINE_BUILD_HINT = "build them with `r1 engine build` (needs cmake and a C++ compiler), or pass --llama-server PATH";

/** None of the installs r1 found has a usable `tool`. */
export class LlamaCppToolMissingError extends R1Error {
    readonly tool: LlamaCppToolName;
    /** Installs that have the tool but cannot be used (wrong version…). */
    readonly unusable: readonly LlamaCppInstall[];

    constructor(tool: LlamaCppToolName, unusable: readonly LlamaCppInstall[]) {
        const seen = unusable.map((install) => `${install.tools[tool]} ${install.problem}`).join("; ");
        super(unusable.length === 0 ? `${tool} is not available` : `no usable ${tool}: ${seen}`, {
            exitCode: ExitCode.notFound,
            hint: ENGINE_BUILD_HINT
        });
        this.tool = tool;
        this.unusable = unusable;
    }
}

/** The binary the user named with `--llama-server` cannot be used. */
export class LlamaCppToolUnusableError extends R1Error {
    readonly path: string;

    constructor(binary: string, problem: string) {
        super(`${binary} ${problem}`, {exitCode: ExitCode.notFound, hint: "pass a llama-server built from node-llama-cpp's llama.cpp, or run `r1 engine build`"});
        this.path = binary;
    }
}

/**
 * The binary to run for `tool`, or a one-line error: a given `--llama-server` is used as given (or
 * refused), otherwise the first compatible install wins.
 */
export function requireLlamaCppTool(found: FoundLlamaCppTools, tool: LlamaCppToolName): string {
    const given = found.installs.find((install) => install.origin === "given");
    if (given !== undefined && tool === "llama-server") {
        if (!given.compatible) throw new LlamaCppToolUnusableError(given.tools["llama-server"] ?? given.dir, given.problem ?? "cannot be used");
        return given.tools["llama-server"]!;
    }
    const chosen = found.paths[tool];
    if (chosen !== undefined) return chosen;
    throw new LlamaCppToolMissingError(tool, found.installs.filter((install) => !install.compatible && install.tools[tool] !== undefined));
}
