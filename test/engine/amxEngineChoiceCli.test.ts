import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, test} from "node:test";
import {TINY_MOE_QUANT, tinyMoeVariant} from "../../src/bench/tinyMoeVariant.js";
import {writeSyntheticModel} from "../../src/bench/writeSyntheticModel.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../helpers/llamaCppTools.js";
import {processesMatching} from "../helpers/processTable.js";
import {repoRoot} from "../helpers/shared.js";
import {AMX_CPUINFO} from "./amxCpuinfo.js";

const bin = path.join(repoRoot, "bin/r1.js");
const home = mkdtempSync(path.join(os.tmpdir(), ".r1-amx-cli-"));
const model = path.join(home, "tiny-deepseek2-moe.gguf");
const cpuinfo = path.join(home, "cpuinfo");
const calibration = path.join(home, "calibration.txt");

before(async () => {
    // An AMX CPU for r1 whatever this machine is (R1_CPUINFO), and the tiny deepseek2 MoE.
    writeFileSync(cpuinfo, AMX_CPUINFO);
    // Calibration text for llama-imatrix: plain words, one or more tokens each in the tiny MoE's ASCII vocabulary.
    const words = ["the", "cat", "runs", "over", "a", "hill", "and", "then", "slowly", "blue"];
    writeFileSync(calibration, Array.from({length: 3000}, (_, i) => words[(i * 7 + Math.floor(i / 10)) % words.length]).join(" "));
    await writeSyntheticModel({variant: tinyMoeVariant(), quant: TINY_MOE_QUANT, path: model, asciiTokens: true});
});

after(() => {
    assert.deepEqual(processesMatching(model), [], "no llama-server left running");
    rmSync(home, {recursive: true, force: true});
});

function r1(args: string[]) {
    const env: NodeJS.ProcessEnv = {...process.env, R1_HOME: home, R1_CPUINFO: cpuinfo, NO_COLOR: "1"};
    delete env.NODE_TEST_CONTEXT;
    delete env.UV_THREADPOOL_SIZE;
    return spawnSync(process.execPath, [bin, ...args], {encoding: "utf8", env, timeout: 120_000});
}

test("r1 run --engine embedded on deepseek2 on an AMX CPU is refused in one line with exit 2, before node-llama-cpp could abort r1 (134)", () => {
    const result = r1(["run", model, "--engine", "embedded", "-p", "hello", "-n", "4", "-t", "1"]);
    assert.equal(result.signal, null, result.stderr);
    assert.equal(result.status, 2, result.stderr);
    assert.deepEqual(result.stderr.trim().split("\n"), [
        "r1: --engine embedded cannot run deepseek2 on this AMX CPU: node-llama-cpp 3.21.1's AMX weight buffers make llama.cpp abort on it, "
        + "and it cannot turn them off. Use --engine llama-server (or auto): r1 runs it there with --no-repack."
    ]);
    assert.equal(result.stdout, "");
});

test("r1 run (auto) on deepseek2 on an AMX CPU runs on llama-server, says why in one line, and starts it with --no-repack at once", {skip: skipWithoutLlamaCppTools("llama-server")}, () => {
    const result = r1(["run", model, "--llama-server", llamaCppToolPath("llama-server"), "-p", "hello", "--raw", "--greedy", "-n", "4", "-t", "1", "-c", "256", "--verbose"]);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stderr.split("\n");
    assert.equal(lines.filter((line) => line.startsWith("r1: deepseek2 on this AMX CPU runs on llama-server, not the embedded engine: ")).length, 1, result.stderr);
    assert.ok(lines.some((line) => /^engine: llama-server \(auto: .*; --no-repack up front: deepseek2 aborts/.test(line)), result.stderr);
    // No first start that aborts and is retried (what an AMX build of llama-server does for deepseek2 with repacking on).
    assert.doesNotMatch(result.stderr, /aborted while loading|illegal instruction/);
    assert.notEqual(result.stdout.trim(), "");
});

test("r1 imatrix on deepseek2 on an AMX CPU runs llama-imatrix with --no-repack (with repacking it aborts like llama-server)", {skip: skipWithoutLlamaCppTools("llama-imatrix")}, () => {
    const output = path.join(home, "tiny.imatrix.gguf");
    const result = r1(["imatrix", model, "--text", calibration, "-c", "64", "--chunks", "2", "-t", "1", "-o", output, "--llama-imatrix", llamaCppToolPath("llama-imatrix")]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), output);
    assert.match(result.stderr, /with \S*llama-imatrix --no-repack \(deepseek2 aborts/);
});
