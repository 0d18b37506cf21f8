import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {readFileSync} from "node:fs";
import {GgmlType, ggmlTypeByName} from "../../src/gguf/GgmlType.js";
import {quantize} from "../../src/quant/codecs.js";
import {fp16ToFp32, fp32ToFp16} from "../../src/quant/codecs/float16.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const VECTORS = "reference/gguf-quant-vectors.txt";

/** gguf-quant-spec §5.15 input generator: inputs A, B, C (8 rows × 4096). */
function makeInput(kind: "A" | "B" | "C"): Float32Array {
    let s = 0x12345678;
    const u = () => {
        s ^= s << 13; s >>>= 0;
        s ^= s >>> 17;
        s ^= s << 5; s >>>= 0;
        return s / 2 ** 32;
    };
    const out = new Float32Array(8 * 4096);
    for (let i = 0; i < out.length; i++) {
        const row = Math.floor(i / 4096), blk = Math.floor(i / 256), j = i % 256;
        if (kind === "A") {
            out[i] = u() * 2 - 1;
        } else if (kind === "B") {
            const g = u() + u() + u() + u() - 2;
            out[i] = fp16ToFp32(fp32ToFp16(Math.fround((g * 0.02) * (1 + row % 7))));
        } else {
            const r = u();
            const v = [0, 1, r * 1e-20, r * 1e4, j === 7 ? 50 : (r * 2 - 1) * 0.01, r, Math.round((r * 2 - 1) * 7), j < 128 ? 0 : r * 2 - 1][blk % 8]!;
            out[i] = v;
        }
    }
    return out;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("every digest of gguf-quant-vectors.txt is reproduced byte for byte", {skip: skipWithoutShared(VECTORS)}, () => {
    const text = readFileSync(sharedPath(VECTORS), "utf8");
    let input: Float32Array | undefined;
    let checked = 0, kind = "";
    const failed: string[] = [];
    for (const line of text.split("\n")) {
        const head = /^input ([ABC]): sha256\(f32 LE bytes\) = ([0-9a-f]{64})/.exec(line);
        if (head) {
            kind = head[1]!;
            input = makeInput(kind as "A" | "B" | "C");
            assert.equal(sha(new Uint8Array(input.buffer)), head[2], `input ${head[1]}`);
            continue;
        }
        const m = /^\s+(\w+)\s+(\d+) bytes sha256=([0-9a-f]{64})/.exec(line);
        if (!m || !input) continue;
        const type = ggmlTypeByName(m[1]!)!.type;
        const bytes = quantize(type, input);
        assert.equal(bytes.length, Number(m[2]), `${m[1]} size`);
        if (sha(bytes) !== m[3]) failed.push(`${GgmlType[type]}/${kind}`);
        checked++;
    }
    assert.deepEqual(failed, []);
    assert.equal(checked, 39);
});
