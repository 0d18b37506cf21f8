// The JS codecs stay the reference the WASM ones are tested against and the fallback where WebAssembly is
// unavailable, so they must reproduce the goldens too. The codec registry picks its backend once per
// process, so the golden suites run again in a child with R1_QUANT_WASM=0, on the file types that use
// every k-quant (plain and with an imatrix) and on two IQ grid types; wasmCodecs.test.ts and
// wasmIqCodecs.test.ts in the same child check that the registry holds the JS codecs only there.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {repoRoot, skipWithoutShared} from "../helpers/shared.js";

const SUITES = ["test/quant/wasmCodecs.test.ts", "test/quant/wasmIqCodecs.test.ts", "test/quant/quantizeGolden.test.ts", "test/quant/quantizeImatrixGolden.test.ts"];

test("with R1_QUANT_WASM=0 the JS codecs reproduce the k-quant, Q4_0, IQ4 and IQ grid goldens (plain and with an imatrix)", {skip: skipWithoutShared("golden/imatrix/tiny-llama.imatrix.gguf")}, async () => {
    // without the parent runner's NODE_TEST_CONTEXT, or node:test refuses to run files from within a test
    const {NODE_TEST_CONTEXT: _, ...env} = process.env;
    const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", ...SUITES], {
        cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"],
        env: {
            ...env, R1_QUANT_WASM: "0",
            // Q2_K uses Q2_K, Q3_K, Q4_K and Q6_K; Q3_K_M adds Q5_K (llama-quantize's mixes); Q4_0 and
            // the IQ4s hold the legacy and IQ4 codecs (plain and weighted) to their goldens on the JS path too;
            // IQ2_XXS and IQ3_S the 2-bit and 3-bit grid searches (the other IQ types: wasmIqCodecs' JS = WASM)
            R1_GOLDEN_TYPES: "Q2_K,Q3_K_M,Q4_0,IQ4_XS", R1_IMATRIX_GOLDEN_TYPES: "Q2_K,Q3_K_M,Q5_K_M,Q4_0,IQ4_NL,IQ2_XXS,IQ3_S"
        }
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => { out += d; });
    child.stderr.setEncoding("utf8").on("data", (d: string) => { out += d; });
    const code = await new Promise<number | null>((resolve, reject) => { child.on("error", reject); child.on("close", resolve); });
    assert.equal(code, 0, out.slice(-4000));
    // the JS-only check and both golden suites ran and passed (not skipped)
    for (const name of ["with R1_QUANT_WASM=0 the codec registry holds the JS codecs only",
        "with R1_QUANT_WASM=0 the codec registry holds the JS IQ grid quantizers",
        "the IQ1/IQ2/IQ3 file types are byte-identical with llama-quantize --imatrix",
        "r1 quantize reproduces every llama-quantize golden file",
        "with an importance matrix r1 quantize reproduces llama-quantize --imatrix byte for byte"]) {
        assert.match(out, new RegExp(`^\\s*ok \\d+ - ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^\\n]*$`, "m"), name);
        assert.doesNotMatch(out, new RegExp(`ok \\d+ - ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^\\n]*# SKIP`), name);
    }
});
