// QuantizeWorkerPool's slices: converted on worker threads with the same bytes as inline, and a slice
// handed over (`transferSource`) moves to the worker without a copy only when it spans its buffer.
import {test} from "node:test";
import assert from "node:assert/strict";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {QuantizeWorkerPool} from "../../src/quant/QuantizeWorkerPool.js";
import {convertTensorData} from "../../src/quant/convertTensorData.js";

function f16Slice(n: number, seed: number): Uint8Array {
    const b = new Uint8Array(2 * n);
    let s = seed;
    for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; const h = 0x2000 + (s >>> 20) % 0x1400 | (s & 0x8000); b[2 * i] = h & 0xFF; b[2 * i + 1] = h >> 8; }
    return b;
}

test("worker threads give the inline bytes; a whole-buffer slice handed over is transferred, a view or a kept slice is copied", async () => {
    const pool = new QuantizeWorkerPool(2);
    try {
        const n = 4096;
        const owned = f16Slice(n, 1);
        const want = convertTensorData(GgmlType.F16, owned, n, GgmlType.Q8_0);
        assert.deepEqual(await pool.convert(GgmlType.F16, owned, n, GgmlType.Q8_0, undefined, true), want);
        assert.equal(owned.byteLength, 0, "handed over and spanning its buffer: moved, not copied");

        const kept = f16Slice(n, 1);
        assert.deepEqual(await pool.convert(GgmlType.F16, kept, n, GgmlType.Q8_0), want);
        assert.equal(kept.byteLength, 2 * n, "not handed over: still the caller's");

        const big = new Uint8Array(4 * n);
        big.set(f16Slice(n, 1), 2 * n);
        const view = big.subarray(2 * n);
        assert.deepEqual(await pool.convert(GgmlType.F16, view, n, GgmlType.Q8_0, undefined, true), want);
        assert.equal(big.byteLength, 4 * n, "a view into a larger buffer is copied, the buffer stays");
    } finally {
        await pool.close();
    }
});
