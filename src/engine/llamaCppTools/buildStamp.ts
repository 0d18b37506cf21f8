import {readFile} from "node:fs/promises";
import {LLAMA_CPP_BACKENDS, type LlamaCppBackend} from "./types.js";

/**
 * `<install>/stamp.json`: what a finished `r1 engine build` made, with the options, so a build
 * with other options is not mistaken for this one. Written last, after the binaries.
 */
export interface LlamaCppBuildStamp {
    readonly version: 1;
    readonly release: string;
    readonly backend: LlamaCppBackend;
    /** The cmake configure arguments, in order. */
    readonly cmakeArgs: readonly string[];
    readonly tools: readonly string[];
    /**
     * What the AMX probe found at build time (absent in stamps written before the probe). The flags it
     * needed (`-fno-dse`) are in `cmakeArgs`, so a build with another AMX choice is another build.
     */
    readonly amx?: "usable" | "unusable" | "absent";
    readonly builtAt: string;
}

/** The stamp in `file`, or `undefined` when it is absent or not a stamp. */
export async function readBuildStamp(file: string): Promise<LlamaCppBuildStamp | undefined> {
    let value: unknown;
    try {
        value = JSON.parse(await readFile(file, "utf8"));
    } catch {
        return undefined;
    }
    if (typeof value !== "object" || value === null) return undefined;
    const stamp = value as Partial<LlamaCppBuildStamp>;
    if (stamp.version !== 1 || typeof stamp.release !== "string" || !LLAMA_CPP_BACKENDS.includes(stamp.backend as LlamaCppBackend)
        || !Array.isArray(stamp.cmakeArgs) || !Array.isArray(stamp.tools) || typeof stamp.builtAt !== "string")
        return undefined;
    return stamp as LlamaCppBuildStamp;
}
