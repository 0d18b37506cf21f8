// The WebAssembly quantizers (assembly/quant/, built into dist/wasm/quantCodecs.wasm by
// scripts/build-wasm.mjs): same bytes as the JS codecs in this folder, several times faster because
// float32 arithmetic is native instead of a Math.fround per operation. Loaded synchronously once per
// thread (each quantize worker has its own instance); absent or unloadable → the JS codecs are used.
import {readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {GgmlType, ggmlTypeTraits} from "../../gguf/GgmlType.js";
import * as lqw from "./legacyQuantsWeighted.js";
import {NonFiniteWeightsError} from "./NonFiniteWeightsError.js";

/** Encodes `nBlocks` blocks of float32 `x` (from `xo`) into `y` (from byte `yo`). */
type QuantizeBlocksFn = (x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number) => void;
/** Encodes one row of `n` values of `x` (from `xo`) into `y` (from `yo`) with importance weights `qw[qo…]`. */
type QuantizeRowWeightedFn = (x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number) => void;
/** A module export with importance weights: `n` values of x (whole blocks), the weights at `qw` advancing with x. */
type WasmWeightedFn = (x: number, y: number, n: number, qw: number) => void;
/**
 * An IQ grid export: `nBlocks` blocks of x, the importance weights at `qw` advancing with x (0: none,
 * for the types ggml also quantizes unweighted); returns 0 or an error code (IQ_* in assembly/quant/iqGrid.ts).
 */
type WasmGridFn = (x: number, y: number, qw: number, nBlocks: number) => number;

// The few WebAssembly globals used, typed here: the project's lib (ES2023 + node) does not declare them.
interface WebAssemblyApi {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => {readonly exports: unknown};
}
const webAssembly = (globalThis as {WebAssembly?: WebAssemblyApi}).WebAssembly;

interface WasmExports {
    readonly memory: {readonly buffer: ArrayBuffer};
    alloc(bytes: number): number;
    quantizeQ8_0(x: number, y: number, nBlocks: number): void;
    quantizeQ4_K(x: number, y: number, nBlocks: number): void;
    quantizeQ5_K(x: number, y: number, nBlocks: number): void;
    quantizeQ6_K(x: number, y: number, nBlocks: number): void;
    quantizeQ4_0(x: number, y: number, nBlocks: number): void;
    quantizeQ4_1(x: number, y: number, nBlocks: number): void;
    quantizeQ5_0(x: number, y: number, nBlocks: number): void;
    quantizeQ5_1(x: number, y: number, nBlocks: number): void;
    quantizeIQ4_NL(x: number, y: number, nBlocks: number): void;
    quantizeIQ4_XS(x: number, y: number, nBlocks: number): void;
    quantizeQ2_K(x: number, y: number, nBlocks: number): void;
    quantizeQ3_K(x: number, y: number, nBlocks: number): void;
    quantizeQ2_KWeighted: WasmWeightedFn;
    quantizeQ3_KWeighted: WasmWeightedFn;
    quantizeQ4_KWeighted: WasmWeightedFn;
    quantizeQ5_KWeighted: WasmWeightedFn;
    quantizeQ6_KWeighted: WasmWeightedFn;
    quantizeIQ4_NLWeighted: WasmWeightedFn;
    quantizeIQ4_XSWeighted: WasmWeightedFn;
    quantizeQ4_0Weighted: WasmWeightedFn;
    quantizeQ4_1Weighted: WasmWeightedFn;
    quantizeQ5_0Weighted: WasmWeightedFn;
    quantizeQ5_1Weighted: WasmWeightedFn;
    quantizeIQ2_XXS: WasmGridFn;
    quantizeIQ2_XS: WasmGridFn;
    quantizeIQ2_S: WasmGridFn;
    widenF16(src: number, dst: number, n: number): void;
    widenBF16(src: number, dst: number, n: number): number;
    quantizeIQ3_XXS: WasmGridFn;
    quantizeIQ3_S: WasmGridFn;
    quantizeIQ1_S: WasmGridFn;
    quantizeIQ1_M: WasmGridFn;
}

/** Where the build puts the module: `<package>/dist/wasm/`, from both src/quant/codecs and dist/quant/codecs. */
export const wasmCodecsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dist/wasm/quantCodecs.wasm");

/** Floats copied into the module per call (1 MiB): whole blocks of every type, and memory stays bounded. */
const CHUNK_FLOATS = 1 << 18;

/** Why the WASM codecs are not in use, when they are not (`undefined` when they are). */
export let wasmCodecsUnavailable: string | undefined;

function load(): WasmExports | undefined {
    if (process.env.R1_QUANT_WASM === "0") { wasmCodecsUnavailable = "disabled by R1_QUANT_WASM=0"; return undefined; }
    if (webAssembly === undefined) { wasmCodecsUnavailable = "WebAssembly is not available"; return undefined; }
    try {
        const module = new webAssembly.Module(readFileSync(wasmCodecsPath));
        return new webAssembly.Instance(module, {env: {abort: () => { throw new Error("quantCodecs.wasm aborted"); }}}).exports as unknown as WasmExports;
    } catch (e) {
        wasmCodecsUnavailable = `${wasmCodecsPath}: ${(e as Error).message}`;
        return undefined;
    }
}

/** The module's quantizer behind a wrapped one, for {@link wasmConvert}. */
interface RawQuantizer {
    readonly fn: (x: number, y: number, nBlocks: number) => void;
    readonly blockSize: number;
    readonly typeSize: number;
}
const raw = new WeakMap<QuantizeBlocksFn, RawQuantizer>();

function wrap(w: WasmExports, fn: (x: number, y: number, nBlocks: number) => void, blockSize: number, typeSize: number, xPtr: number, yPtr: number): QuantizeBlocksFn {
    const maxBlocks = CHUNK_FLOATS / blockSize;
    const wrapped: QuantizeBlocksFn = (x, xo, y, yo, nBlocks) => {
        // Views taken per call: only the IQ grid exports grow the memory (see wrapGrid), never during this call.
        const xs = new Float32Array(w.memory.buffer, xPtr, CHUNK_FLOATS);
        const ys = new Uint8Array(w.memory.buffer, yPtr, maxBlocks * typeSize);
        while (nBlocks > 0) {
            const nb = Math.min(nBlocks, maxBlocks);
            xs.set(x.subarray(xo, xo + nb * blockSize));
            fn(xPtr, yPtr, nb);
            y.set(ys.subarray(0, nb * typeSize), yo);
            xo += nb * blockSize; yo += nb * typeSize; nBlocks -= nb;
        }
    };
    raw.set(wrapped, {fn, blockSize, typeSize});
    return wrapped;
}

/**
 * A weighted export as a row quantizer: the row's blocks go through in chunks like {@link wrap}'s,
 * with the matching slice of the importance row beside them (ggml's weighted quantizers read the
 * weights of block i at `quant_weights + i·blockSize`, so a row splits into chunks of whole blocks).
 */
function wrapWeighted(w: WasmExports, fn: WasmWeightedFn, blockSize: number, typeSize: number, xPtr: number, yPtr: number, qwPtr: number): QuantizeRowWeightedFn {
    const maxBlocks = CHUNK_FLOATS / blockSize;
    return (x, xo, y, yo, n, qw, qo) => {
        const xs = new Float32Array(w.memory.buffer, xPtr, CHUNK_FLOATS);
        const qs = new Float32Array(w.memory.buffer, qwPtr, CHUNK_FLOATS);
        const ys = new Uint8Array(w.memory.buffer, yPtr, maxBlocks * typeSize);
        let nBlocks = n / blockSize;
        while (nBlocks > 0) {
            const nb = Math.min(nBlocks, maxBlocks);
            xs.set(x.subarray(xo, xo + nb * blockSize));
            qs.set(qw.subarray(qo, qo + nb * blockSize));
            fn(xPtr, yPtr, nb * blockSize, qwPtr);
            y.set(ys.subarray(0, nb * typeSize), yo);
            xo += nb * blockSize; qo += nb * blockSize; yo += nb * typeSize; nBlocks -= nb;
        }
    };
}

/**
 * An IQ grid export as a row quantizer (with `qw`) and a block quantizer (without). Unlike the others
 * these grow the module's memory (the neighbour lists of the grid search are computed as they are
 * first needed), so the views are taken again after every call (and the other wrappers take theirs
 * per call). An error code becomes the error the JS reference throws at the same input.
 */
function wrapGrid(w: WasmExports, type: GgmlType, fn: WasmGridFn, typeSize: number, xPtr: number, yPtr: number, qwPtr: number): {plain: QuantizeBlocksFn, weighted: QuantizeRowWeightedFn} {
    const maxBlocks = CHUNK_FLOATS / 256;
    const run = (x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number, qw: Float32Array | undefined, qo: number) => {
        while (nBlocks > 0) {
            const nb = Math.min(nBlocks, maxBlocks);
            new Float32Array(w.memory.buffer, xPtr, nb * 256).set(x.subarray(xo, xo + nb * 256));
            if (qw !== undefined) new Float32Array(w.memory.buffer, qwPtr, nb * 256).set(qw.subarray(qo, qo + nb * 256));
            const rc = fn(xPtr, yPtr, qw === undefined ? 0 : qwPtr, nb);
            if (rc === 1) throw new NonFiniteWeightsError();
            if (rc !== 0) throw new Error(`${GgmlType[type]} quantizer: levels off the grid (ggml aborts here too)`);
            y.set(new Uint8Array(w.memory.buffer, yPtr, nb * typeSize), yo);
            xo += nb * 256; qo += nb * 256; yo += nb * typeSize; nBlocks -= nb;
        }
    };
    return {
        plain: (x, xo, y, yo, nBlocks) => run(x, xo, y, yo, nBlocks, undefined, 0),
        weighted: (x, xo, y, yo, n, qw, qo) => run(x, xo, y, yo, n / 256, qw, qo)
    };
}
/**
 * The legacy quants' weighted paths scale by the whole row's mean square, so a row goes to the module
 * in one piece; a row longer than a chunk (no real model has one) takes the JS reference instead.
 */
function wholeRow(wasm: QuantizeRowWeightedFn, js: QuantizeRowWeightedFn): QuantizeRowWeightedFn {
    return (x, xo, y, yo, n, qw, qo) => (n <= CHUNK_FLOATS ? wasm : js)(x, xo, y, yo, n, qw, qo);
}

let instance: {readonly w: WasmExports, readonly xPtr: number, readonly yPtr: number, readonly srcPtr: number} | undefined;

interface WasmCodecs {
    readonly plain: Map<GgmlType, QuantizeBlocksFn>;
    readonly weighted: Map<GgmlType, QuantizeRowWeightedFn>;
}

function instantiate(): WasmCodecs {
    const w = load();
    if (w === undefined) return {plain: new Map(), weighted: new Map()};
    const xPtr = w.alloc(CHUNK_FLOATS * 4), yPtr = w.alloc(CHUNK_FLOATS * 4), qwPtr = w.alloc(CHUNK_FLOATS * 4);
    const srcPtr = w.alloc(CHUNK_FLOATS * 2);
    instance = {w, xPtr, yPtr, srcPtr};
    // Block and type sizes from the GGUF type table, so this table cannot disagree with it.
    const traits = (type: GgmlType) => ggmlTypeTraits(type)!;
    const plain = (type: GgmlType, fn: (x: number, y: number, nBlocks: number) => void) => wrap(w, fn, traits(type).blockSize, traits(type).typeSize, xPtr, yPtr);
    const weighted = (type: GgmlType, fn: WasmWeightedFn) => wrapWeighted(w, fn, traits(type).blockSize, traits(type).typeSize, xPtr, yPtr, qwPtr);
    const grid = (type: GgmlType, fn: WasmGridFn) => wrapGrid(w, type, fn, traits(type).typeSize, xPtr, yPtr, qwPtr);
    // ggml quantizes IQ2_S, IQ3_XXS, IQ3_S and IQ1_M without an imatrix too (codecs.ts lists them)
    const iq2xxs = grid(GgmlType.IQ2_XXS, w.quantizeIQ2_XXS), iq2xs = grid(GgmlType.IQ2_XS, w.quantizeIQ2_XS);
    const iq2s = grid(GgmlType.IQ2_S, w.quantizeIQ2_S);
    const iq3xxs = grid(GgmlType.IQ3_XXS, w.quantizeIQ3_XXS), iq3s = grid(GgmlType.IQ3_S, w.quantizeIQ3_S);
    const iq1s = grid(GgmlType.IQ1_S, w.quantizeIQ1_S), iq1m = grid(GgmlType.IQ1_M, w.quantizeIQ1_M);
    return {
        plain: new Map<GgmlType, QuantizeBlocksFn>([
            [GgmlType.Q8_0, plain(GgmlType.Q8_0, w.quantizeQ8_0)],
            [GgmlType.Q4_K, plain(GgmlType.Q4_K, w.quantizeQ4_K)],
            [GgmlType.Q5_K, plain(GgmlType.Q5_K, w.quantizeQ5_K)],
            [GgmlType.Q6_K, plain(GgmlType.Q6_K, w.quantizeQ6_K)],
            [GgmlType.Q2_K, plain(GgmlType.Q2_K, w.quantizeQ2_K)],
            [GgmlType.Q3_K, plain(GgmlType.Q3_K, w.quantizeQ3_K)],
            [GgmlType.Q4_0, plain(GgmlType.Q4_0, w.quantizeQ4_0)],
            [GgmlType.Q4_1, plain(GgmlType.Q4_1, w.quantizeQ4_1)],
            [GgmlType.Q5_0, plain(GgmlType.Q5_0, w.quantizeQ5_0)],
            [GgmlType.Q5_1, plain(GgmlType.Q5_1, w.quantizeQ5_1)],
            [GgmlType.IQ4_NL, plain(GgmlType.IQ4_NL, w.quantizeIQ4_NL)],
            [GgmlType.IQ4_XS, plain(GgmlType.IQ4_XS, w.quantizeIQ4_XS)],
            [GgmlType.IQ2_S, iq2s.plain],
            [GgmlType.IQ3_XXS, iq3xxs.plain],
            [GgmlType.IQ3_S, iq3s.plain],
            [GgmlType.IQ1_M, iq1m.plain]
        ]),
        weighted: new Map<GgmlType, QuantizeRowWeightedFn>([
            [GgmlType.Q2_K, weighted(GgmlType.Q2_K, w.quantizeQ2_KWeighted)],
            [GgmlType.Q3_K, weighted(GgmlType.Q3_K, w.quantizeQ3_KWeighted)],
            [GgmlType.Q4_K, weighted(GgmlType.Q4_K, w.quantizeQ4_KWeighted)],
            [GgmlType.Q5_K, weighted(GgmlType.Q5_K, w.quantizeQ5_KWeighted)],
            [GgmlType.Q6_K, weighted(GgmlType.Q6_K, w.quantizeQ6_KWeighted)],
            [GgmlType.IQ4_NL, weighted(GgmlType.IQ4_NL, w.quantizeIQ4_NLWeighted)],
            [GgmlType.IQ4_XS, weighted(GgmlType.IQ4_XS, w.quantizeIQ4_XSWeighted)],
            [GgmlType.Q4_0, wholeRow(weighted(GgmlType.Q4_0, w.quantizeQ4_0Weighted), lqw.quantizeQ4_0Weighted)],
            [GgmlType.Q4_1, wholeRow(weighted(GgmlType.Q4_1, w.quantizeQ4_1Weighted), lqw.quantizeQ4_1Weighted)],
            [GgmlType.Q5_0, wholeRow(weighted(GgmlType.Q5_0, w.quantizeQ5_0Weighted), lqw.quantizeQ5_0Weighted)],
            [GgmlType.Q5_1, wholeRow(weighted(GgmlType.Q5_1, w.quantizeQ5_1Weighted), lqw.quantizeQ5_1Weighted)],
            [GgmlType.IQ2_XXS, iq2xxs.weighted],
            [GgmlType.IQ2_XS, iq2xs.weighted],
            [GgmlType.IQ2_S, iq2s.weighted],
            [GgmlType.IQ3_XXS, iq3xxs.weighted],
            [GgmlType.IQ3_S, iq3s.weighted],
            [GgmlType.IQ1_S, iq1s.weighted],
            [GgmlType.IQ1_M, iq1m.weighted]
        ])
    };
}

const wasmCodecs = instantiate();

/**
 * The WASM quantizers by type (empty when the module did not load: see {@link wasmCodecsUnavailable}).
 * Set `R1_QUANT_WASM=0` to use the JS codecs everywhere (benchmarks, debugging).
 */
export const wasmQuantizers: ReadonlyMap<GgmlType, QuantizeBlocksFn> = wasmCodecs.plain;

/** The WASM quantizers with importance weights (ggml's `quant_weights` paths), by type; empty like {@link wasmQuantizers}. */
export const wasmWeightedQuantizers: ReadonlyMap<GgmlType, QuantizeRowWeightedFn> = wasmCodecs.weighted;

/**
 * Widens `elements` values of `sourceType` (F16, BF16 or F32 bytes in `source`) to float32 and
 * quantizes them to `targetType` into `out`, all inside the module: the slice's bytes are copied in
 * once (2 bytes a weight from F16) and no float32 array exists in JavaScript. Same bytes as
 * dequantizing with the JS codecs and quantizing. Returns `false` (with `out` unspecified) when the
 * module cannot: not loaded, no WASM quantizer for `targetType`, another source type, or a BF16
 * NaN (whose bits after the JS reference's round trip are the engine's business).
 */
export function wasmConvert(sourceType: GgmlType, source: Uint8Array, elements: number, targetType: GgmlType, out: Uint8Array): boolean {
    const q = wasmQuantizers.get(targetType);
    const r = q === undefined ? undefined : raw.get(q);
    const bytesPerValue = sourceType === GgmlType.F16 || sourceType === GgmlType.BF16 ? 2 : sourceType === GgmlType.F32 ? 4 : 0;
    if (instance === undefined || r === undefined || bytesPerValue === 0) return false;
    const {w, xPtr, yPtr, srcPtr} = instance;
    const {fn, blockSize, typeSize} = r;
    if (elements % blockSize !== 0 || source.length < elements * bytesPerValue || out.length < elements / blockSize * typeSize) throw new RangeError("wasmConvert: buffers do not hold whole blocks");
    const maxBlocks = CHUNK_FLOATS / blockSize;
    const staged = new Uint8Array(w.memory.buffer, bytesPerValue === 2 ? srcPtr : xPtr, CHUNK_FLOATS * bytesPerValue);
    const ys = new Uint8Array(w.memory.buffer, yPtr, maxBlocks * typeSize);
    for (let done = 0, yo = 0; done < elements;) {
        const nb = Math.min((elements - done) / blockSize, maxBlocks), n = nb * blockSize;
        staged.set(source.subarray(done * bytesPerValue, (done + n) * bytesPerValue));
        if (sourceType === GgmlType.F16) w.widenF16(srcPtr, xPtr, n);
        else if (sourceType === GgmlType.BF16 && w.widenBF16(srcPtr, xPtr, n) !== 0) return false;
        fn(xPtr, yPtr, nb);
        out.set(ys.subarray(0, nb * typeSize), yo);
        done += n; yo += nb * typeSize;
    }
    return true;
}
