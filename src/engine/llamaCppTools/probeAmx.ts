import {execFile} from "node:child_process";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {AMX_PROBE_EXIT, amxRetryFlags, combineAmxProbes, cpuAdvertisesAmx, interpretAmxProbe, type AmxProbeOutcome,
    type AmxProbeResult} from "./amxProbeResult.js";

/** How long compiling the probe may take: one small file, but the machine may be busy compiling already. */
export const AMX_PROBE_COMPILE_TIMEOUT_MS = 180_000;
/** How long the probe may run; it does a few instructions. */
export const AMX_PROBE_RUN_TIMEOUT_MS = 30_000;
/** Output kept from the compiler and the probe. */
const MAX_PROBE_OUTPUT_BYTES = 256 * 1024;

/**
 * ggml's AMX tile set-up (`ggml_tile_config_init` in ggml-cpu/amx/mmq.cpp of the bundled release),
 * line for line, then one tile zeroed and stored. Built with the flags ggml's native build uses, it
 * fails where ggml's kernels would: GCC 12's `_tile_loadconfig` tells the compiler it reads 8 bytes,
 * so the stores of the tile shapes are dropped as dead, `ldtilecfg` loads a configuration with no
 * tiles, and the first `tilezero` is an illegal instruction.
 */
export const AMX_PROBE_SOURCE = `#include <immintrin.h>
#include <cstdint>
#include <cstdio>
#include <unistd.h>
#include <sys/syscall.h>
#if !defined(__AMX_INT8__) || !defined(__AVX512VNNI__)
int main() { std::puts("amx: not compiled in"); return ${AMX_PROBE_EXIT.notCompiled}; }
#else
struct tile_config_t {
    uint8_t palette_id = 0;
    uint8_t start_row = 0;
    uint8_t reserved_0[14] = {0};
    uint16_t colsb[16] = {0};
    uint8_t rows[16] = {0};
};
static void tile_config_init() {
    static thread_local bool done = false;
    if (done) return;
    alignas(64) tile_config_t tc = {};
    tc.palette_id = 1;
    tc.start_row = 0;
    tc.rows[0] = 8;   tc.colsb[0] = 64;
    tc.rows[1] = 8;   tc.colsb[1] = 64;
    tc.rows[2] = 16;  tc.colsb[2] = 32;
    tc.rows[3] = 16;  tc.colsb[3] = 32;
    tc.rows[4] = 16;  tc.colsb[4] = 64;
    tc.rows[5] = 16;  tc.colsb[5] = 64;
    tc.rows[6] = 16;  tc.colsb[6] = 64;
    tc.rows[7] = 16;  tc.colsb[7] = 64;
    _tile_loadconfig(&tc);
    done = true;
}
int main() {
    if (syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) != 0) {
        std::puts("amx: the kernel refuses tile data");
        return ${AMX_PROBE_EXIT.osRefuses};
    }
    tile_config_init();
    alignas(64) int32_t c[16 * 16];
    for (auto & v : c) v = -1;
    _tile_zero(4);
    _tile_stored(4, c, 64);
    _tile_release();
    for (auto v : c) if (v != 0) { std::puts("amx: wrong tile result"); return ${AMX_PROBE_EXIT.wrongResult}; }
    std::puts("amx: usable");
    return ${AMX_PROBE_EXIT.usable};
}
#endif
`;

export interface ProbeAmxOptions {
    /** The C++ compiler cmake will use. */
    readonly cxx: string;
    /** Defaults to `process.platform`. */
    readonly platform?: NodeJS.Platform;
    /** Defaults to `process.arch`. */
    readonly arch?: string;
    /** Defaults to reading `/proc/cpuinfo`. */
    readonly cpuinfo?: string;
}

/**
 * Compiles and runs `AMX_PROBE_SOURCE` with `cxx -O3 -march=native` (ggml's flags for a native
 * Release build) in a temporary folder, on x86-64 Linux CPUs that advertise AMX; elsewhere AMX is
 * `absent` without compiling anything. When the plain probe dies as GCC 12's build does
 * (`amxRetryFlags`), it is compiled and run once more with `-fno-dse`, and AMX is kept with that flag
 * if the tiles then work (`combineAmxProbes`).
 */
export async function probeAmx(options: ProbeAmxOptions): Promise<AmxProbeResult> {
    if ((options.platform ?? process.platform) !== "linux" || (options.arch ?? process.arch) !== "x64")
        return {state: "absent", detail: "not x86-64 Linux"};
    const cpuinfo = options.cpuinfo ?? await readFile("/proc/cpuinfo", "utf8").catch(() => "");
    if (!cpuAdvertisesAmx(cpuinfo)) return {state: "absent", detail: "the CPU does not advertise AMX"};
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-amx-probe-"));
    try {
        const source = path.join(dir, "amx-probe.cpp");
        await writeFile(source, AMX_PROBE_SOURCE);
        const plain = await compileAndRun(options.cxx, source, path.join(dir, "amx-probe"), []);
        if (plain.kind === "uncompiled") return plain.result;
        const flags = amxRetryFlags(plain.outcome);
        if (flags === undefined) return interpretAmxProbe(plain.outcome);
        const retried = await compileAndRun(options.cxx, source, path.join(dir, "amx-probe-retry"), flags);
        return combineAmxProbes(interpretAmxProbe(plain.outcome),
            {flags, result: retried.kind === "uncompiled" ? retried.result : interpretAmxProbe(retried.outcome)});
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

/** A compiled probe's run, or the verdict (`absent`) when it did not compile. */
type ProbeRun = {readonly kind: "ran", readonly outcome: AmxProbeOutcome} | {readonly kind: "uncompiled", readonly result: AmxProbeResult};

/** The probe compiled with `flags` before ggml's (as cmake puts `CMAKE_CXX_FLAGS` before `-O3 -march=native`) and run. */
async function compileAndRun(cxx: string, source: string, binary: string, flags: readonly string[]): Promise<ProbeRun> {
    const compiled = await run(cxx, [...flags, "-O3", "-march=native", "-std=c++17", source, "-o", binary], AMX_PROBE_COMPILE_TIMEOUT_MS);
    if (compiled.exitCode !== 0) {
        const telling = compiled.output.split("\n").find((line) => /\berror\b/.test(line)) ?? compiled.output.trim().split("\n").at(-1) ?? "";
        const withFlags = flags.length > 0 ? ` with ${flags.join(" ")}` : "";
        return {kind: "uncompiled", result: {state: "absent", detail: `the AMX probe does not compile${withFlags}: ${telling.trim()}`}};
    }
    const ran = await run(binary, [], AMX_PROBE_RUN_TIMEOUT_MS);
    return {kind: "ran", outcome: {exitCode: ran.exitCode, signal: ran.signal, stdout: ran.output}};
}

function run(command: string, args: readonly string[], timeout: number): Promise<{exitCode: number | null, signal: string | null, output: string}> {
    return new Promise((resolve) => {
        execFile(command, args, {timeout, maxBuffer: MAX_PROBE_OUTPUT_BYTES, killSignal: "SIGKILL"}, (error, stdout, stderr) => {
            const output = `${stdout}\n${stderr}`;
            if (error === null) resolve({exitCode: 0, signal: null, output});
            else if (typeof error.code === "number") resolve({exitCode: error.code, signal: null, output});
            else if (error.signal !== undefined && error.signal !== null) resolve({exitCode: null, signal: error.signal, output});
            else resolve({exitCode: -1, signal: null, output: `${output}\n${error.message}`});
        });
    });
}
