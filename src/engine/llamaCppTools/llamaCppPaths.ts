import path from "node:path";
import {r1HomeDir} from "../../hardware/index.js";
import {LLAMA_CPP_RELEASE} from "./llamaCppRelease.js";
import type {LlamaCppBackend} from "./types.js";

/** The folders of one build of llama.cpp's tools under `<R1_HOME>/llama.cpp/`. */
export interface LlamaCppPaths {
    /** `<R1_HOME>/llama.cpp`. */
    readonly root: string;
    /** Git clone of node-llama-cpp's bundle: `<root>/src/<release>` (shared by every backend). */
    readonly sourceDir: string;
    /** cmake's build folder, kept so an interrupted build resumes: `<root>/build/<release>-<backend>`. */
    readonly buildDir: string;
    /** The installed tools: `<root>/<release>-<backend>`. */
    readonly installDir: string;
    /** `<installDir>/bin`. */
    readonly binDir: string;
    /** `<installDir>/stamp.json`, written last: an install without it is incomplete. */
    readonly stampFile: string;
}

export interface LlamaCppPathsOptions {
    /** Defaults to `R1_HOME` (`~/.r1`). */
    readonly r1Home?: string;
    /** Defaults to `LLAMA_CPP_RELEASE`. */
    readonly release?: string;
    readonly backend: LlamaCppBackend;
}

/** Folder layout of a build; the same one CI and a hand-started build use, so either reuses the other. */
export function llamaCppPaths(options: LlamaCppPathsOptions): LlamaCppPaths {
    const root = path.join(options.r1Home ?? r1HomeDir(), "llama.cpp");
    const release = options.release ?? LLAMA_CPP_RELEASE;
    const installDir = path.join(root, `${release}-${options.backend}`);
    return {
        root,
        sourceDir: path.join(root, "src", release),
        buildDir: path.join(root, "build", `${release}-${options.backend}`),
        installDir,
        binDir: path.join(installDir, "bin"),
        stampFile: path.join(installDir, "stamp.json")
    };
}
