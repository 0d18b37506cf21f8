#!/usr/bin/env node
// Compiles the AssemblyScript codecs (assembly/quant/) into dist/wasm/quantCodecs.wasm with asc.
// Runs in `npm run build`, at `npm ci` (prepare) and before `npm test`; the binary is never committed.
// Written to a temporary name and renamed, so a failed build never leaves a half-written module.
import asc from "assemblyscript/asc";
import {mkdirSync, renameSync, rmSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Builds the codecs module into `outFile` (default `dist/wasm/quantCodecs.wasm`). */
export async function buildWasm({outFile = path.join(root, "dist/wasm/quantCodecs.wasm")} = {}) {
    mkdirSync(path.dirname(outFile), {recursive: true});
    const tmp = `${outFile}.tmp-${process.pid}`;
    rmSync(tmp, {force: true});
    // -O3 without --fast-math keeps IEEE float32 semantics (no reassociation, no fused ops), which
    // byte identity with ggml depends on. The stub runtime: the module only bump-allocates, never frees (its
    // buffers once; the IQ grids' maps and neighbour lists as first needed, at most ~5 MiB for all six grids).
    const {error, stderr} = await asc.main([
        path.join(root, "assembly/quant/index.ts"),
        "--outFile", tmp,
        "--optimizeLevel", "3", "--shrinkLevel", "0",
        "--runtime", "stub", "--noAssert",
        "--initialMemory", "64",
        // 128-bit SIMD (Node ≥ 16.4 has it everywhere x86-64 has SSE4.1): Q8_0's lanes (q8_0Simd.ts), and four
        // independent k-quant sub-blocks per f32x4 (kQuantHelpers4.ts), each lane in ggml's operation order
        "--enable", "simd"
    ]);
    if (error) {
        rmSync(tmp, {force: true});
        throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
    }
    renameSync(tmp, outFile);
    return outFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const out = await buildWasm();
    console.log(`built ${path.relative(root, out)}`);
}
