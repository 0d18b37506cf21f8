// The one table layout (fits the terminal, colours only on one), hardware lines wrapped to the
// terminal, and a closed stdout ending `r1 plan` quietly.
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import path from "node:path";
import {describe, test} from "node:test";
import {fitLines} from "../../src/cli/fitLines.js";
import {renderTable, visibleWidth, type TableColumn} from "../../src/cli/renderTable.js";
import {repoRoot} from "../helpers/shared.js";

const columns: TableColumn[] = [{header: "model"}, {header: "quant"}, {header: "file", align: "right", dropOrder: 1}, {header: "notes", dropOrder: 2}, {header: "t/s", align: "right"}];
const rows = [["R1-Distill-Qwen-1.5B", "Q4_K_M", "1.12 GB", "\x1b[33mgood balance of size and quality\x1b[39m", "31"], ["R1-Distill-Qwen-7B", "Q8_0", "8.10 GB", "near lossless", "4.1"]];

describe("renderTable", () => {
    test("wide enough: every column, aligned, two spaces apart", () => {
        assert.equal(renderTable(columns, rows, {width: 200, color: false}), [
            "model                 quant      file  notes                             t/s",
            "R1-Distill-Qwen-1.5B  Q4_K_M  1.12 GB  good balance of size and quality   31",
            "R1-Distill-Qwen-7B    Q8_0    8.10 GB  near lossless                     4.1"].join("\n"));
    });
    test("narrow: optional columns go, highest dropOrder first, and every line fits", () => {
        const at60 = renderTable(columns, rows, {width: 60, color: false});
        assert.doesNotMatch(at60, /notes/);
        assert.match(at60, /file/);
        assert.ok(at60.split("\n").every((line) => visibleWidth(line) <= 60), at60);
        const at40 = renderTable(columns, rows, {width: 40, color: false});
        assert.doesNotMatch(at40, /file|notes/);
        assert.ok(at40.split("\n").every((line) => visibleWidth(line) <= 40), at40);
    });
    test("too narrow for the required columns: one row at a time, header: value", () => {
        const stacked = renderTable(columns, rows, {width: 20, color: false});
        assert.match(stacked, /^model  R1-Distill-Qwen-1\.5B\nquant  Q4_K_M\nfile   1\.12 GB\nnotes  good balance of size and quality\nt\/s    31\n\nmodel  R1-Distill-Qwen-7B/);
    });
    test("colour codes only when colour is on, the cells' own included", () => {
        assert.doesNotMatch(renderTable(columns, rows, {width: 200, color: false}), /\x1b\[/);
        const colored = renderTable(columns, rows, {width: 200, color: true});
        assert.match(colored, /\x1b\[1mmodel\x1b\[22m/);
        assert.match(colored, /\x1b\[33mgood balance/);
        assert.equal(visibleWidth(colored.split("\n")[1]!), visibleWidth(renderTable(columns, rows, {width: 200, color: false}).split("\n")[1]!));
    });
});

describe("fitLines", () => {
    test("wraps at spaces with the continuation under the text", () => {
        assert.deepEqual(fitLines(["  CPU   Xeon: 2 cores, avx avx2 fma f16c avx512f avx512bw", "short"], 30),
            ["  CPU   Xeon: 2 cores, avx", "        avx2 fma f16c avx512f", "        avx512bw", "short"]);
        assert.deepEqual(fitLines(["unchanged when it fits"], 80), ["unchanged when it fits"]);
    });
});

describe("r1 plan in a pipe", () => {
    test("no colour codes, and a reader that stops early ends it quietly (no EPIPE stack)", async () => {
        const {FORCE_COLOR: _, NO_COLOR: __, ...env} = process.env;
        const full = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "plan"], {encoding: "utf8", env: {...env, CI: "1"}, timeout: 60_000});
        assert.equal(full.status, 0, full.stderr);
        assert.doesNotMatch(full.stdout, /\x1b\[/, "CI set, stdout a pipe: still no colour");
        // Like `r1 plan | head -2`: read the first lines, then close the pipe.
        const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "plan"], {env});
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        await new Promise<void>((resolve) => child.stdout.once("data", () => {
            child.stdout.destroy();
            resolve();
        }));
        const code = await new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
        assert.equal(code, 0, stderr);
        assert.doesNotMatch(stderr, /EPIPE|at .*\.js:\d+/);
    });
});
