import assert from "node:assert/strict";
import {execFile} from "node:child_process";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {promisify} from "node:util";
import {AMX_NO_DSE_FLAGS, AMX_OFF_FLAGS, AMX_PROBE_EXIT, AMX_PROBE_SOURCE, amxCompilerFlags, amxRetryFlags, cacheMatchesArgs, cmakeConfigureArgs,
    combineAmxProbes, cpuAdvertisesAmx, findOnPath, interpretAmxProbe, probeAmx, x86CompilerFlags} from "../../../src/engine/llamaCppTools/index.js";

const SAPPHIRE_RAPIDS_FLAGS = "flags\t\t: fpu vme avx512f avx512_vnni avx512_bf16 amx_bf16 avx512_fp16 amx_tile amx_int8";

test("cpuAdvertisesAmx: both amx_tile and amx_int8 among /proc/cpuinfo's flags", () => {
    assert.equal(cpuAdvertisesAmx(`processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n${SAPPHIRE_RAPIDS_FLAGS}\nbugs\t\t: spectre_v1\n`), true);
    assert.equal(cpuAdvertisesAmx("flags\t\t: fpu avx512f avx512_vnni amx_tile\n"), false);
    assert.equal(cpuAdvertisesAmx("flags\t\t: fpu avx512f avx512_vnni\nbugs\t\t: amx_tile amx_int8\n"), false);
    assert.equal(cpuAdvertisesAmx("flags\t\t: fpu xamx_tile amx_int8x\n"), false);
    assert.equal(cpuAdvertisesAmx(""), false);
});

test("interpretAmxProbe: SIGILL or a refused kernel is unusable, exit 0 usable, not compiled in absent, anything else unusable", () => {
    const result = (exitCode: number | null, signal: string | null, stdout = "") => interpretAmxProbe({exitCode, signal, stdout});
    assert.equal(result(null, "SIGILL").state, "unusable");
    assert.match(result(null, "SIGILL").detail, /SIGILL/);
    assert.deepEqual(result(null, "SIGSEGV"), {state: "unusable", detail: "the AMX probe was killed by SIGSEGV"});
    assert.equal(result(AMX_PROBE_EXIT.usable, null, "amx: usable\n").state, "usable");
    assert.equal(result(AMX_PROBE_EXIT.notCompiled, null).state, "absent");
    assert.match(result(AMX_PROBE_EXIT.osRefuses, null).detail, /kernel refuses/);
    assert.equal(result(AMX_PROBE_EXIT.wrongResult, null).state, "unusable");
    assert.deepEqual(result(7, null, "something\nlast words\n"), {state: "unusable", detail: "the AMX probe exited with code 7: last words"});
});

test("amxRetryFlags: only a SIGILL (GCC 12's dropped tile configuration) is probed again, with -fno-dse", () => {
    assert.deepEqual(AMX_NO_DSE_FLAGS, ["-fno-dse"]);
    assert.deepEqual(amxRetryFlags({exitCode: null, signal: "SIGILL", stdout: ""}), ["-fno-dse"]);
    assert.equal(amxRetryFlags({exitCode: null, signal: "SIGSEGV", stdout: ""}), undefined);
    assert.equal(amxRetryFlags({exitCode: null, signal: "SIGKILL", stdout: ""}), undefined);
    for (const exitCode of Object.values(AMX_PROBE_EXIT)) assert.equal(amxRetryFlags({exitCode, signal: null, stdout: ""}), undefined);
});

test("combineAmxProbes: AMX kept with -fno-dse when the second probe works, else the plain verdict says -fno-dse did not help", () => {
    const sigill = interpretAmxProbe({exitCode: null, signal: "SIGILL", stdout: ""});
    const usable = interpretAmxProbe({exitCode: AMX_PROBE_EXIT.usable, signal: null, stdout: "amx: usable\n"});
    const kept = combineAmxProbes(sigill, {flags: AMX_NO_DSE_FLAGS, result: usable});
    assert.equal(kept.state, "usable");
    assert.deepEqual(kept.compilerFlags, ["-fno-dse"]);
    assert.equal(kept.detail, `AMX tiles work with -fno-dse; without it ${sigill.detail}`);
    const stillDies = combineAmxProbes(sigill, {flags: AMX_NO_DSE_FLAGS, result: sigill});
    assert.equal(stillDies.state, "unusable");
    assert.equal(stillDies.compilerFlags, undefined);
    assert.equal(stillDies.detail, `${sigill.detail}; with -fno-dse too (${sigill.detail})`);
    const uncompiled = combineAmxProbes(sigill, {flags: AMX_NO_DSE_FLAGS, result: {state: "absent", detail: "the AMX probe does not compile with -fno-dse: x"}});
    assert.equal(uncompiled.state, "unusable");
    assert.match(uncompiled.detail, /with -fno-dse too \(the AMX probe does not compile with -fno-dse: x\)$/);
    // No second probe, or a plain probe that worked: the plain verdict as it is.
    assert.equal(combineAmxProbes(sigill, undefined), sigill);
    assert.equal(combineAmxProbes(usable, {flags: AMX_NO_DSE_FLAGS, result: sigill}), usable);
});

test("amxCompilerFlags and x86CompilerFlags: AMX left out only when unusable, -fno-dse when the tiles need it, after the environment's flags, only on x86-64 Linux", () => {
    assert.deepEqual(amxCompilerFlags({state: "unusable", detail: ""}), ["-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16"]);
    assert.deepEqual(amxCompilerFlags({state: "usable", detail: ""}), []);
    assert.deepEqual(amxCompilerFlags({state: "usable", detail: "", compilerFlags: AMX_NO_DSE_FLAGS}), ["-fno-dse"]);
    assert.deepEqual(amxCompilerFlags({state: "absent", detail: ""}), []);
    const linux = {platform: "linux" as const, arch: "x64"};
    assert.deepEqual(x86CompilerFlags(linux, AMX_OFF_FLAGS, {}), {c: "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16", cxx: "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"});
    assert.deepEqual(x86CompilerFlags(linux, [], {}), {c: "", cxx: ""});
    assert.deepEqual(x86CompilerFlags(linux, AMX_OFF_FLAGS, {CFLAGS: " -g ", CXXFLAGS: "-O2"}),
        {c: "-g -mno-amx-tile -mno-amx-int8 -mno-amx-bf16", cxx: "-O2 -mno-amx-tile -mno-amx-int8 -mno-amx-bf16"});
    assert.deepEqual(x86CompilerFlags(linux, AMX_NO_DSE_FLAGS, {CXXFLAGS: "-O2"}), {c: "-fno-dse", cxx: "-O2 -fno-dse"});
    assert.equal(x86CompilerFlags({platform: "linux", arch: "arm64"}, AMX_OFF_FLAGS, {}), undefined);
    assert.equal(x86CompilerFlags({platform: "darwin", arch: "x64"}, AMX_OFF_FLAGS, {}), undefined);
});

test("cmakeConfigureArgs: compiler flags are set last, even empty, and a cache with other flags is configured again", () => {
    const plain = cmakeConfigureArgs({backend: "cpu", ninja: true});
    const off = cmakeConfigureArgs({backend: "cpu", ninja: true, compilerFlags: {c: "-mno-amx-tile", cxx: "-mno-amx-tile"}});
    assert.deepEqual(off, [...plain, "-DCMAKE_C_FLAGS=-mno-amx-tile", "-DCMAKE_CXX_FLAGS=-mno-amx-tile"]);
    const empty = cmakeConfigureArgs({backend: "cpu", ninja: true, compilerFlags: {c: "", cxx: ""}});
    assert.deepEqual(empty.slice(-2), ["-DCMAKE_C_FLAGS=", "-DCMAKE_CXX_FLAGS="]);
    const cache = (cFlags: string) => [`CMAKE_HOME_DIRECTORY:INTERNAL=/src`, "CMAKE_GENERATOR:INTERNAL=Ninja",
        ...plain.filter((arg) => arg.startsWith("-D")).map((arg) => arg.slice(2).replace("=", ":STRING=")),
        `CMAKE_C_FLAGS:STRING=${cFlags}`, `CMAKE_CXX_FLAGS:STRING=${cFlags}`].join("\n");
    assert.equal(cacheMatchesArgs(cache("-mno-amx-tile"), off, "/src"), true);
    assert.equal(cacheMatchesArgs(cache("-mno-amx-tile"), empty, "/src"), false);
    assert.equal(cacheMatchesArgs(cache(""), empty, "/src"), true);
});

test("probeAmx: nothing is compiled off x86-64 Linux or on a CPU without AMX", async () => {
    // A compiler that does not exist: reaching it would make the result say so.
    const cxx = "/nonexistent/c++";
    assert.deepEqual(await probeAmx({cxx, platform: "darwin", arch: "arm64"}), {state: "absent", detail: "not x86-64 Linux"});
    assert.deepEqual(await probeAmx({cxx, platform: "linux", arch: "arm64"}), {state: "absent", detail: "not x86-64 Linux"});
    assert.deepEqual(await probeAmx({cxx, platform: "linux", arch: "x64", cpuinfo: "flags\t\t: fpu avx512f\n"}),
        {state: "absent", detail: "the CPU does not advertise AMX"});
    const broken = await probeAmx({cxx, platform: "linux", arch: "x64", cpuinfo: SAPPHIRE_RAPIDS_FLAGS});
    assert.equal(broken.state, "absent");
    assert.match(broken.detail, /^the AMX probe does not compile/);
});

const cxx = process.platform === "linux" && process.arch === "x64" ? await findOnPath("c++", process.env.PATH ?? "") : undefined;
test("the AMX-off flags keep -march=native from compiling ggml's AMX code in (the probe says: not compiled in)",
    {skip: cxx === undefined ? "needs c++ on x86-64 Linux" : false}, async () => {
        const dir = await mkdtemp(path.join(os.tmpdir(), "r1-amx-off-"));
        try {
            await writeFile(path.join(dir, "probe.cpp"), AMX_PROBE_SOURCE);
            // The AMX-off flags go first, as CMAKE_CXX_FLAGS come before ggml's -march=native: explicit -mno-* still win.
            await promisify(execFile)(cxx!, [...AMX_OFF_FLAGS, "-O3", "-march=native", "-std=c++17", path.join(dir, "probe.cpp"), "-o", path.join(dir, "probe")]);
            const ran = await promisify(execFile)(path.join(dir, "probe")).then(() => 0, (error: {code?: number}) => error.code);
            assert.equal(ran, AMX_PROBE_EXIT.notCompiled);
        } finally {
            await rm(dir, {recursive: true, force: true});
        }
    });

const amxHere = cxx !== undefined && cpuAdvertisesAmx(await readFile("/proc/cpuinfo", "utf8").catch(() => ""));
test("probeAmx on this AMX CPU: the flags of its verdict make the probe run, and they were needed",
    {skip: amxHere ? false : "needs c++ on an x86-64 Linux CPU with AMX"}, async () => {
        const result = await probeAmx({cxx: cxx!});
        assert.notEqual(result.state, "absent", result.detail);
        if (result.state !== "usable") return;
        const dir = await mkdtemp(path.join(os.tmpdir(), "r1-amx-verdict-"));
        const runProbe = async (flags: readonly string[]) => {
            const binary = path.join(dir, `probe${flags.join("")}`);
            await promisify(execFile)(cxx!, [...flags, "-O3", "-march=native", "-std=c++17", path.join(dir, "probe.cpp"), "-o", binary]);
            return promisify(execFile)(binary).then(() => "usable", (error: {code?: number, signal?: string}) => error.signal ?? `exit ${error.code}`);
        };
        try {
            await writeFile(path.join(dir, "probe.cpp"), AMX_PROBE_SOURCE);
            assert.equal(await runProbe(result.compilerFlags ?? []), "usable");
            // On GCC 12 (this project's VM) the plain build dies and -fno-dse is the verdict's flag.
            if (result.compilerFlags !== undefined) assert.equal(await runProbe([]), "SIGILL");
        } finally {
            await rm(dir, {recursive: true, force: true});
        }
    });
