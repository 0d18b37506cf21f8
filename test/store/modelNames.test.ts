import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {describe, test} from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import {
    etaSeconds, formatBytes, hfEndpoint, hfResolveUrl, hfToken, resolveR1Home, formatDuration, InvalidModelNameError, modelDirName, modelNameFromDir, ModelStore, parseHfReference,
    quantFromFileName, RateMeter, resolvePullSource, splitModelParts, validateModelName, validateStoredFileName
} from "../../src/store/index.js";

describe("model names", () => {
    test("folder names are reversible and never contain a separator", () => {
        for (const name of ["deepseek-r1-distill-qwen-14b:Q4_K_M", "hf:unsloth/DeepSeek-R1-GGUF/UD-IQ1_S/DeepSeek-R1-UD-IQ1_S-00001-of-00003.gguf", "a b%c"]) {
            const dir = modelDirName(name);
            assert.doesNotMatch(dir, /[/\\:]/);
            assert.equal(modelNameFromDir(dir), name);
        }
        assert.equal(modelNameFromDir("not a model dir!"), undefined);
        assert.equal(modelNameFromDir("%2"), undefined);
    });

    test("names that could escape the store or hide are rejected", () => {
        for (const bad of ["", ".", "..", "../x", "a/../b", ".hidden", "-flag", "x\u0000y", "line\nbreak", " padded", "x".repeat(201)])
            assert.throws(() => validateModelName(bad), InvalidModelNameError, JSON.stringify(bad));
        for (const bad of ["../x.gguf", "a/b.gguf", "a\\b.gguf", ".x.gguf", "x.gguf.incomplete", "x.lock", "manifest.json", ""])
            assert.throws(() => validateStoredFileName(bad), InvalidModelNameError, JSON.stringify(bad));
        const store = new ModelStore({home: path.join(os.tmpdir(), "r1-names")});
        assert.throws(() => store.filePath("ok", "../../escape.gguf"), InvalidModelNameError);
        assert.throws(() => store.modelDir("x/../../y"), InvalidModelNameError);
        assert.ok(store.modelDir("x..y").startsWith(store.modelsDir + path.sep));
    });

    test("hf: references: OWNER/REPO/PATH.gguf with plain segments only", () => {
        assert.deepEqual(parseHfReference("hf:acme/repo/sub/file-Q4_K_M.gguf"),
            {kind: "hf", repo: "acme/repo", file: "sub/file-Q4_K_M.gguf", name: "hf:acme/repo/sub/file-Q4_K_M.gguf"});
        assert.equal(parseHfReference("hf.co/acme/repo/file.gguf").name, "hf:acme/repo/file.gguf");
        for (const bad of ["hf:acme/repo", "hf:acme/../../etc/passwd.gguf", "hf:acme/repo/file.bin", "hf:acme//x.gguf", "hf:acme/repo/%2e%2e/x.gguf", "hf:acme/repo/.x.gguf"])
            assert.throws(() => parseHfReference(bad), InvalidModelNameError, bad);
    });

    test("split parts: any part names them all; plain files stay alone; absurd counts are not expanded", () => {
        assert.deepEqual(splitModelParts("d/m-00002-of-00003.gguf"), ["d/m-00001-of-00003.gguf", "d/m-00002-of-00003.gguf", "d/m-00003-of-00003.gguf"]);
        assert.deepEqual(splitModelParts("m.gguf"), ["m.gguf"]);
        assert.deepEqual(splitModelParts("m-00005-of-00003.gguf"), ["m-00005-of-00003.gguf"]);
        assert.equal(splitModelParts("m-00001-of-99999.gguf").length, 1);
    });

    test("pull sources: hf names keep their quant; catalog aliases map to the canonical name", () => {
        const hf = resolvePullSource("hf:acme/r/m-UD-IQ1_S-00001-of-00002.gguf");
        assert.equal(hf.quant, "UD-IQ1_S");
        assert.equal(hf.files.length, 2);
        assert.equal(quantFromFileName("DeepSeek-R1-Distill-Qwen-14B-Q6_K.gguf"), "Q6_K");
        assert.equal(quantFromFileName("model.gguf"), undefined);
        const alias = resolvePullSource("deepseek-r1:14b");
        assert.equal(alias.name, "deepseek-r1-distill-qwen-14b:Q4_K_M");
        assert.equal(alias.requestedAs, "deepseek-r1:14b");
        assert.equal(resolvePullSource("deepseek-r1-distill-qwen-14b:q6_k").quant, "Q6_K");
        assert.throws(() => resolvePullSource("no-such-model"));
    });
});

describe("hub settings", () => {
    test("HF_ENDPOINT overrides the host, HF_TOKEN is read when non-empty", () => {
        assert.equal(hfEndpoint({}), "https://huggingface.co");
        assert.equal(hfEndpoint({HF_ENDPOINT: "http://127.0.0.1:9/mirror/"}), "http://127.0.0.1:9/mirror");
        assert.equal(hfToken({HF_TOKEN: "  "}), undefined);
        assert.equal(hfToken({HF_TOKEN: "hf_x"}), "hf_x");
        assert.equal(hfResolveUrl("http://h", "a/b", "main", "d/x y.gguf"), "http://h/a/b/resolve/main/d/x%20y.gguf");
        assert.equal(resolveR1Home({R1_HOME: "/data/r1"}), path.resolve("/data/r1"));
        assert.equal(resolveR1Home({}), path.join(os.homedir(), ".r1"));
    });
});

describe("transfer formatting", () => {
    test("bytes, durations and ETA", () => {
        assert.equal(formatBytes(512), "512 B");
        assert.equal(formatBytes(8_990_000_000), "8.99 GB");
        assert.equal(formatBytes(123_400_000), "123 MB");
        assert.equal(formatDuration(5), "5s");
        assert.equal(formatDuration(245), "4m05s");
        assert.equal(formatDuration(3720), "1h02m");
        assert.equal(formatDuration(Infinity), "--");
        assert.equal(etaSeconds(50, 150, 10), 10);
        assert.equal(etaSeconds(0, 100, 0), Infinity);
    });

    test("the rate is over the recent window, not since the start", () => {
        const meter = new RateMeter(0);
        meter.add(1000, 1000);
        assert.equal(meter.rate(1000), 1000);
        meter.add(10_000, 20_000);
        // The first sample has left the 5 s window.
        assert.equal(meter.rate(20_000), 2000);
    });
});
