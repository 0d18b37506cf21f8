import assert from "node:assert/strict";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {after, before, test} from "node:test";
import {TINY_MOE_QUANT, tinyMoeVariant} from "../../src/bench/tinyMoeVariant.js";
import {writeSyntheticModel} from "../../src/bench/writeSyntheticModel.js";
import {amxAbortFacts, embeddedAbortsOnAmx, noRepackUpFront} from "../../src/engine/amxRepackAbort.js";
import {EmbeddedAmxAbortError} from "../../src/engine/errors.js";
import {chooseEngine, loadFacts} from "../../src/engine/loadEngineModel.js";
import {R1Error} from "../../src/util/R1Error.js";
import {AMX_CPUINFO, NO_AMX_CPUINFO} from "./amxCpuinfo.js";

let dir = "";
let tinyMoe = "";

before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "r1-amx-choice-"));
    tinyMoe = path.join(dir, "tiny-deepseek2-moe.gguf");
    await writeSyntheticModel({variant: tinyMoeVariant(), quant: TINY_MOE_QUANT, path: tinyMoe, asciiTokens: true});
});

after(async () => {
    if (dir !== "") await rm(dir, {recursive: true, force: true});
});

test("the embedded engine aborts only for deepseek2 on a CPU that advertises amx_tile and amx_int8", () => {
    assert.equal(embeddedAbortsOnAmx(amxAbortFacts("deepseek2", AMX_CPUINFO)), true);
    assert.equal(embeddedAbortsOnAmx(amxAbortFacts("deepseek2", NO_AMX_CPUINFO)), false);
    assert.equal(embeddedAbortsOnAmx(amxAbortFacts("deepseek2", AMX_CPUINFO.replace(" amx_int8", ""))), false, "tiles without int8: ggml's AMX kernels are not built");
    assert.equal(embeddedAbortsOnAmx(amxAbortFacts("deepseek2", "")), false, "no cpuinfo (not Linux)");
    for (const architecture of ["qwen2", "llama", "qwen3"]) assert.equal(embeddedAbortsOnAmx(amxAbortFacts(architecture, AMX_CPUINFO)), false, architecture);
    assert.equal(embeddedAbortsOnAmx(amxAbortFacts(undefined, AMX_CPUINFO)), false, "an unread architecture is not assumed");
});

test("llama-server gets --no-repack up front for deepseek2 on an AMX CPU unless its build left AMX out", () => {
    const deepseek2 = amxAbortFacts("deepseek2", AMX_CPUINFO);
    assert.equal(noRepackUpFront({...deepseek2, buildAmx: "usable"}), true, "r1 engine build kept AMX (-fno-dse)");
    assert.equal(noRepackUpFront(deepseek2), true, "a llama-server r1 did not build (or an older stamp) may have AMX");
    assert.equal(noRepackUpFront({...deepseek2, buildAmx: "unusable"}), false, "built with -mno-amx-*: repacking is safe and faster");
    assert.equal(noRepackUpFront({...deepseek2, buildAmx: "absent"}), false);
    assert.equal(noRepackUpFront({...amxAbortFacts("deepseek2", NO_AMX_CPUINFO), buildAmx: "usable"}), false, "AMX kernels stay idle on a CPU without AMX");
    assert.equal(noRepackUpFront({...amxAbortFacts("qwen2", AMX_CPUINFO), buildAmx: "usable"}), false);
});

test("architecture × AMX × --engine: auto picks llama-server and says why; --engine embedded is refused in one line before loading", () => {
    const abort = amxAbortFacts("deepseek2", AMX_CPUINFO);
    const auto = chooseEngine({path: "m"}, abort);
    assert.equal(auto.engine, "llama-server");
    assert.match(auto.notice ?? "", /^deepseek2 on this AMX CPU runs on llama-server, not the embedded engine: .*--no-repack/);
    assert.equal(auto.notice?.includes("\n"), false, "one line");
    assert.throws(() => chooseEngine({path: "m", engine: "embedded"}, abort), (error: unknown) => error instanceof EmbeddedAmxAbortError
        && error.exitCode === 2 && error.architecture === "deepseek2" && /--engine embedded cannot run deepseek2 on this AMX CPU/.test(error.message)
        && /--engine llama-server/.test(error.hint ?? ""));
    assert.deepEqual(chooseEngine({path: "m", engine: "llama-server"}, abort), {engine: "llama-server", reason: "--engine llama-server"});
    // What only llama-server can do keeps its own reason; an upstream never loads anything here.
    assert.match(chooseEngine({path: "m", cpuMoeLayers: 3}, abort).reason, /--n-cpu-moe/);
    assert.equal(chooseEngine({path: "", upstream: {url: "http://h"}}, abort).engine, "upstream");
    // Anything else stays embedded, with no notice.
    for (const facts of [amxAbortFacts("deepseek2", NO_AMX_CPUINFO), amxAbortFacts("qwen2", AMX_CPUINFO), {}]) {
        assert.deepEqual(chooseEngine({path: "m"}, facts), {engine: "embedded", reason: "auto: nothing in this load needs llama-server"}, JSON.stringify(facts));
        assert.equal(chooseEngine({path: "m", engine: "embedded"}, facts).engine, "embedded");
    }
    assert.ok(new EmbeddedAmxAbortError("deepseek2") instanceof R1Error);
});

test("loadFacts reads the architecture from the GGUF header only on an AMX CPU", async () => {
    assert.deepEqual(await loadFacts({path: tinyMoe, cpuinfo: AMX_CPUINFO}), {architecture: "deepseek2", cpuAmx: true});
    assert.deepEqual(await loadFacts({path: tinyMoe, cpuinfo: NO_AMX_CPUINFO}), {cpuAmx: false});
    // An unreadable file: unknown architecture, and the engine's own load reports the file.
    assert.deepEqual(await loadFacts({path: path.join(dir, "missing.gguf"), cpuinfo: AMX_CPUINFO}), {cpuAmx: true});
    assert.deepEqual(await loadFacts({path: "", upstream: {url: "http://h"}, cpuinfo: AMX_CPUINFO}), {});
});
