import {copyFile, mkdir, readFile, rename, rm} from "node:fs/promises";
import {existsSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {writeJsonAtomic} from "../../hardware/index.js";
import {LlamaCppBuildError} from "./buildErrors.js";
import {readBuildStamp, type LlamaCppBuildStamp} from "./buildStamp.js";
import {missingPrerequisite} from "./checkBuildPrerequisites.js";
import {chooseBackend} from "./chooseBackend.js";
import {amxCompilerFlags, type AmxProbeResult} from "./amxProbeResult.js";
import {BUILD_TARGETS, cacheMatchesArgs, cmakeConfigureArgs, x86CompilerFlags} from "./cmakeArgs.js";
import {detectBuildMachine, type DetectedBuildMachine} from "./detectBuildMachine.js";
import type {LlamaCppBuildEvent} from "./LlamaCppBuildEvent.js";
import {llamaCppPaths} from "./llamaCppPaths.js";
import {LLAMA_CPP_RELEASE, nodeLlamaCppLlamaDir} from "./llamaCppRelease.js";
import {parseBuildProgress} from "./parseBuildProgress.js";
import {probeAmx} from "./probeAmx.js";
import {CommandFailedError, spawnLines} from "./spawnLines.js";
import type {LlamaCppBackend} from "./types.js";

export interface BuildLlamaCppToolsOptions {
    /** Defaults to `R1_HOME` (`~/.r1`). */
    readonly r1Home?: string;
    /** Defaults to the machine's (`chooseBackend`): CUDA, Metal, Vulkan, else CPU. */
    readonly backend?: LlamaCppBackend;
    /** Parallel compile jobs. Defaults to `os.availableParallelism()`. */
    readonly jobs?: number;
    /** Build even when the install is up to date. Defaults to `false`. */
    readonly force?: boolean;
    /** Stops the compiler; the build folder is kept, so the next build resumes. */
    readonly signal?: AbortSignal;
    /** The machine, when already detected (tests). Defaults to `detectBuildMachine()`. */
    readonly machine?: DetectedBuildMachine;
    /** Whether AMX works with this compiler here, when already known (tests). Defaults to `probeAmx()` with the machine's compiler. */
    readonly amx?: AmxProbeResult;
}

/**
 * `r1 engine build`: compiles llama-server, ggml-rpc-server and llama-imatrix from the llama.cpp
 * sources node-llama-cpp ships (never downloaded), with cmake, into
 * `<R1_HOME>/llama.cpp/<release>-<backend>/bin`, then stamps the install with its options. The
 * sources and cmake's build folder are kept: an interrupted build resumes, and an up-to-date
 * install is recognised from its stamp without running cmake at all.
 */
export async function* buildLlamaCppToolsIter(options: BuildLlamaCppToolsOptions = {}): AsyncGenerator<LlamaCppBuildEvent> {
    const started = performance.now();
    const machine = options.machine ?? await detectBuildMachine();
    const choice = options.backend === undefined ? chooseBackend(machine) : {backend: options.backend, reason: "--backend"};
    const paths = llamaCppPaths({r1Home: options.r1Home, backend: choice.backend});
    // ggml's native build compiles AMX kernels in whenever the CPU advertises AMX; where they run only with
    // dead-store elimination off (GCC 12 drops the tile configuration's stores) the build turns it off, and
    // where they cannot run at all (a kernel that refuses the tile data) they are left out.
    const amx = options.amx ?? (machine.cxx === undefined ? {state: "absent", detail: "no C++ compiler to probe AMX with"} as const
        : await probeAmx({cxx: machine.cxx, platform: machine.platform, arch: machine.arch}));
    const cmakeArgs = cmakeConfigureArgs({backend: choice.backend, ninja: machine.ninja !== undefined,
        compilerFlags: x86CompilerFlags(machine, amxCompilerFlags(amx))});
    const jobs = options.jobs ?? os.availableParallelism();
    const logFile = `${paths.buildDir}.log`;
    yield {type: "start", backend: choice.backend, reason: choice.reason, release: LLAMA_CPP_RELEASE, sourceDir: paths.sourceDir,
        buildDir: paths.buildDir, installDir: paths.installDir, jobs, cmakeArgs, logFile, amx};

    const stamp = await readBuildStamp(paths.stampFile);
    if (options.force !== true && stamp !== undefined && isSameBuild(stamp, choice.backend, cmakeArgs)
        && BUILD_TARGETS.every((tool) => existsSync(path.join(paths.binDir, tool)))) {
        yield {type: "up-to-date", installDir: paths.installDir};
        yield {type: "done", installDir: paths.installDir, tools: toolPaths(paths.binDir), seconds: (performance.now() - started) / 1000, upToDate: true};
        return;
    }

    const needSources = !existsSync(path.join(paths.sourceDir, "CMakeLists.txt"));
    const missing = missingPrerequisite(machine, choice.backend, needSources);
    if (missing !== undefined) throw missing;
    await mkdir(path.dirname(logFile), {recursive: true});

    if (needSources) {
        yield {type: "unpack"};
        // Cloned to a temporary name, renamed when complete: a half clone is never taken for the sources.
        const temporary = `${paths.sourceDir}.${process.pid}.tmp`;
        await rm(temporary, {recursive: true, force: true});
        await drain("unpack of the sources", logFile,
            spawnLines(machine.git!, ["clone", "--quiet", path.join(nodeLlamaCppLlamaDir(), "gitRelease.bundle"), temporary], {logFile, signal: options.signal}));
        await rename(temporary, paths.sourceDir);
    }

    const cache = await readFile(path.join(paths.buildDir, "CMakeCache.txt"), "utf8").catch(() => undefined);
    const configured = cache !== undefined && cacheMatchesArgs(cache, cmakeArgs, paths.sourceDir);
    yield {type: "configure", skipped: configured};
    if (!configured)
        await drain("cmake configure", logFile,
            spawnLines(machine.cmake!, ["-S", paths.sourceDir, "-B", paths.buildDir, ...cmakeArgs], {logFile, signal: options.signal}));

    try {
        for await (const line of spawnLines(machine.cmake!, ["--build", paths.buildDir, "--config", "Release", "--target", ...BUILD_TARGETS, "-j", String(jobs)],
            {logFile, signal: options.signal})) {
            const progress = parseBuildProgress(line);
            if (progress !== undefined) yield {type: "compile", ...progress};
        }
    } catch (error) {
        throw asBuildError("compile", logFile, error);
    }

    // The old stamp goes first, so an install interrupted from here on is not taken as complete.
    await rm(paths.stampFile, {force: true});
    await mkdir(paths.binDir, {recursive: true});
    for (const tool of BUILD_TARGETS) {
        const target = path.join(paths.binDir, tool);
        const temporary = `${target}.${process.pid}.tmp`;
        await copyFile(path.join(paths.buildDir, "bin", tool), temporary);
        await rename(temporary, target);
    }
    const tools = toolPaths(paths.binDir);
    yield {type: "install", tools};
    const newStamp: LlamaCppBuildStamp = {version: 1, release: LLAMA_CPP_RELEASE, backend: choice.backend, cmakeArgs, tools: [...BUILD_TARGETS],
        amx: amx.state, builtAt: new Date().toISOString()};
    await writeJsonAtomic(paths.stampFile, newStamp);
    yield {type: "done", installDir: paths.installDir, tools, seconds: (performance.now() - started) / 1000, upToDate: false};
}

/** `true` when a stamp is for this release, backend and options. The generator does not change the result. */
function isSameBuild(stamp: LlamaCppBuildStamp, backend: LlamaCppBackend, cmakeArgs: readonly string[]): boolean {
    const defines = (args: readonly string[]) => args.filter((arg) => arg.startsWith("-D")).join(" ");
    return stamp.release === LLAMA_CPP_RELEASE && stamp.backend === backend && defines(stamp.cmakeArgs) === defines(cmakeArgs);
}

function toolPaths(binDir: string): Record<string, string> {
    return Object.fromEntries(BUILD_TARGETS.map((tool) => [tool, path.join(binDir, tool)]));
}

async function drain(step: string, logFile: string, lines: AsyncGenerator<string>): Promise<void> {
    try {
        for await (const line of lines) void line;
    } catch (error) {
        throw asBuildError(step, logFile, error);
    }
}

function asBuildError(step: string, logFile: string, error: unknown): unknown {
    if (!(error instanceof CommandFailedError)) return error;
    // The compiler's first error line says more than the last line ("ninja: build stopped").
    const telling = error.tail.find((line) => /\berror\b/i.test(line) && !/^ninja: build stopped/.test(line)) ?? error.tail.at(-1);
    return new LlamaCppBuildError(step, telling === undefined ? error.message : `${telling.trim()} (${error.message})`, logFile);
}
