import type {LlamaCppBackend} from "./types.js";

/** The targets `r1 engine build` compiles. */
export const BUILD_TARGETS = ["llama-server", "ggml-rpc-server", "llama-imatrix"] as const;

/** Cache entries every build sets: a static, release, RPC-enabled build of the tools only (no tests, examples or web UI). */
const COMMON_DEFINES: ReadonlyArray<readonly [string, string]> = [
    ["CMAKE_BUILD_TYPE", "Release"],
    // Static: the binaries can be copied to the install folder alone.
    ["BUILD_SHARED_LIBS", "OFF"],
    // ggml-rpc-server and `--rpc` (issue 17).
    ["GGML_RPC", "ON"],
    ["GGML_NATIVE", "ON"],
    ["GGML_CUDA", "OFF"],
    // No HTTPS client: r1 never lets llama.cpp download anything.
    ["LLAMA_OPENSSL", "OFF"],
    ["LLAMA_BUILD_TESTS", "OFF"],
    ["LLAMA_BUILD_EXAMPLES", "OFF"],
    ["LLAMA_BUILD_TOOLS", "ON"],
    ["LLAMA_BUILD_SERVER", "ON"],
    // r1 serves its own web UI; the bundled one would need npm or a download.
    ["LLAMA_BUILD_UI", "OFF"],
    ["LLAMA_USE_PREBUILT_UI", "OFF"],
    ["LLAMA_BUILD_APP", "OFF"]
];

const BACKEND_DEFINES: Record<LlamaCppBackend, ReadonlyArray<readonly [string, string]>> = {
    cpu: [],
    cuda: [["GGML_CUDA", "ON"]],
    metal: [["GGML_METAL", "ON"]],
    vulkan: [["GGML_VULKAN", "ON"]]
};

export interface CmakeArgsOptions {
    readonly backend: LlamaCppBackend;
    /** Use Ninja (when it is installed); else cmake's default generator. */
    readonly ninja: boolean;
    /**
     * `CMAKE_C_FLAGS` and `CMAKE_CXX_FLAGS`, set (even empty) whenever given, so a build folder
     * configured with other flags (say, AMX left out) is configured again. Defaults to neither set:
     * cmake's own (`CFLAGS`/`CXXFLAGS`).
     */
    readonly compilerFlags?: {readonly c: string, readonly cxx: string};
}

/** The `-DKEY=VALUE` cache entries of a build, later ones overriding earlier ones with the same key. */
export function cmakeDefines(backend: LlamaCppBackend): Array<[string, string]> {
    const defines = new Map<string, string>();
    for (const [key, value] of [...COMMON_DEFINES, ...BACKEND_DEFINES[backend]]) defines.set(key, value);
    return [...defines];
}

/**
 * The configure arguments (without `-S`/`-B`): for the CPU backend with Ninja exactly
 * `-G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_RPC=ON -DGGML_NATIVE=ON -DGGML_CUDA=OFF …`.
 * They are also the stamp's options, so a build with other options is a different build.
 */
export function cmakeConfigureArgs(options: CmakeArgsOptions): string[] {
    const flags = options.compilerFlags === undefined ? [] : [["CMAKE_C_FLAGS", options.compilerFlags.c], ["CMAKE_CXX_FLAGS", options.compilerFlags.cxx]];
    return [...options.ninja ? ["-G", "Ninja"] : [], ...[...cmakeDefines(options.backend), ...flags].map(([key, value]) => `-D${key}=${value}`)];
}

/**
 * The compiler flags of a build on x86-64 Linux: the environment's `CFLAGS`/`CXXFLAGS`, then the AMX
 * probe's (`amxCompilerFlags`: AMX left out when unusable, `-fno-dse` when the tiles need it). Elsewhere
 * `undefined`: nothing set.
 */
export function x86CompilerFlags(machine: {readonly platform: NodeJS.Platform, readonly arch: string}, amxFlags: readonly string[],
    env: NodeJS.ProcessEnv = process.env): {c: string, cxx: string} | undefined {
    if (machine.platform !== "linux" || machine.arch !== "x64") return undefined;
    const join = (own: string | undefined) => [own?.trim() ?? "", ...amxFlags].filter((part) => part !== "").join(" ");
    return {c: join(env.CFLAGS), cxx: join(env.CXXFLAGS)};
}

/**
 * `true` when a build folder's `CMakeCache.txt` already holds every define (and the generator) of
 * `args`, so configuring again can be skipped and an interrupted build goes straight on.
 */
export function cacheMatchesArgs(cacheText: string, args: readonly string[], sourceDir: string): boolean {
    const entries = new Map<string, string>();
    for (const line of cacheText.split("\n")) {
        const match = /^([A-Za-z_][\w.-]*):[A-Z]+=(.*)$/.exec(line.trimEnd());
        if (match !== null) entries.set(match[1]!, match[2]!);
    }
    if (entries.get("CMAKE_HOME_DIRECTORY") !== sourceDir) return false;
    const generatorIndex = args.indexOf("-G");
    if (generatorIndex >= 0 && entries.get("CMAKE_GENERATOR") !== args[generatorIndex + 1]) return false;
    for (const arg of args) {
        const define = /^-D([^=]+)=(.*)$/.exec(arg);
        if (define !== null && entries.get(define[1]!) !== define[2]) return false;
    }
    return true;
}
