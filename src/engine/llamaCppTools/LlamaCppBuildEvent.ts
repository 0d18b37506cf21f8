import type {AmxProbeResult} from "./amxProbeResult.js";
import type {LlamaCppBackend} from "./types.js";

/** Progress of `buildLlamaCppToolsIter`, in order. */
export type LlamaCppBuildEvent =
    /** What will be built where; `reason` says why this backend. */
    | {readonly type: "start", readonly backend: LlamaCppBackend, readonly reason: string, readonly release: string,
        readonly sourceDir: string, readonly buildDir: string, readonly installDir: string, readonly jobs: number,
        readonly cmakeArgs: readonly string[], readonly logFile: string,
        /** What the AMX probe found; `unusable` means the build leaves AMX out, `compilerFlags` that it keeps AMX with them. */
        readonly amx: AmxProbeResult}
    /** The install already holds this release, backend and options: nothing to do. */
    | {readonly type: "up-to-date", readonly installDir: string}
    /** Unpacking node-llama-cpp's git bundle into `sourceDir` (only the first time). */
    | {readonly type: "unpack"}
    /** cmake configure; `skipped` when the build folder is already configured with these options. */
    | {readonly type: "configure", readonly skipped: boolean}
    /** One compile step done (`done` of `total`; Make builds report percent of 100). */
    | {readonly type: "compile", readonly done: number, readonly total: number, readonly step: string}
    /** Binaries copied into the install folder. */
    | {readonly type: "install", readonly tools: Readonly<Record<string, string>>}
    | {readonly type: "done", readonly installDir: string, readonly tools: Readonly<Record<string, string>>, readonly seconds: number,
        readonly upToDate: boolean};
