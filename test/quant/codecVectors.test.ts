import {test} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {readFileSync} from "node:fs";
import {GgmlType, ggmlTypeByName} from "../../src/gguf/GgmlType.js";
import {dequantize, quantize} from "../../src/quant/codecs.js";
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

// Not in the reference file: digests from ggml-quants.c of llama.cpp v0.4.0 (the sources in
// node-llama-cpp's gitRelease.bundle), built x86-64 -O2 without FMA, run on the §5.15 inputs.
const extraQuantDigests: Record<string, [string, string, string]> = {
    Q4_1: ["ed472d666ebe31e4c51880f22a07381e9db5223303ec20800d5b822c122d0cd8", "41a23230786d5398d4cd5cc486050519bfd18e87aa98dc6a06e41f9a9f796829",
        "65fa579d35874c8cefbb713733f06daf37cfff75602d3ee89bb48caf2ac5675d"],
    Q5_0: ["c71bd19757f8dcc14ebb79d5b71a078d1e75d7f9da8a958721cb86251f4fcf9b", "ba173a7734086966fe590d9979d6c95001aba3ee273ed8598be1f3440a72c2ee",
        "9af1d8c575cc7cf7fbb8897f7c0100efcd68fc4d5fc12245d51b83d35339ebc4"],
    Q5_1: ["e606128242a4a219bfc974b085e58cd7faad64588edccda0c7b10018219a0e25", "640d4a9cc8315cabc0c31c86a7526505a4b872d1dd4fc184ecaa23ac8e457a1e",
        "af07b9ab00d975290614a2d08eddd418a6a26621f5ab74c2a99be131b203d624"]
};
// sha256 of ggml's `dequantize_row_*` output (f32 LE) for input A quantized to each type (same build).
const dequantDigestsA: Record<string, string> = {
    Q8_0: "edfbe28ce90bd9b3d647263c5f1a4c6547eb1f8cb1406e4c48537294706440df",
    Q4_0: "3afe636b629d2bcda3efaf100bb8a6836dd54fd122d129e6fdb4fb3f6b00701a",
    Q4_1: "8f24fa6311b83c98cfa781c892fd0844ca49748e579de41febb19730c9356d57",
    Q5_0: "98bc16d744ebca0f22d4d0e074ab61aa5cdb8c7f194400c8be5eb4bac045fe64",
    Q5_1: "81c6dac6405809b792082d7730b0639ca925fb2396555dbe3c18bf60f45207e4",
    Q2_K: "a5a62b76f919823cdd0a848cd7aa307b9e56986fbe53026a91f2b695e840217f",
    Q3_K: "fcf553ed1e0d37a2ca8d9e3d67f46cc2a871f814a58d089cdee0a1c7501f45cc",
    Q4_K: "d98eede7127d09ae4f6afb57cdab1d23cefaefb7336d36825be01f999e0851fe",
    Q5_K: "7d984f5c214f30a91c678cfe64ac729052b848aad8bb8f35edca6dcee1b67ac3",
    Q6_K: "d639cbc952935dbb852007ca708ae0570bfb4d1ed3c782293b958b543f75cccb",
    IQ4_NL: "e330848060dbb2ef3c77c489b66f74104e5be079d0cc41bf1e5ad1b8d69c930c",
    IQ4_XS: "2eb885245d4c61e9ef4773ece44a612db4d07bb5fe85f6106d208a20ccbeca91",
    TQ1_0: "cb5e094895a399e8d9d644c24956fb1c1c8b9adb97d0eafd6dcf5f2b539bfd7e",
    TQ2_0: "cb5e094895a399e8d9d644c24956fb1c1c8b9adb97d0eafd6dcf5f2b539bfd7e"
};

test("Q4_1, Q5_0, Q5_1 match ggml's reference quantizers on the §5.15 inputs", () => {
    const inputs = (["A", "B", "C"] as const).map(makeInput);
    for (const [name, digests] of Object.entries(extraQuantDigests)) {
        const type = ggmlTypeByName(name)!.type;
        inputs.forEach((x, i) => assert.equal(sha(quantize(type, x)), digests[i], `${name} input ${"ABC"[i]}`));
    }
});

test("dequantizers are bit-exact with ggml's dequantize_row_*", () => {
    const a = makeInput("A");
    for (const [name, digest] of Object.entries(dequantDigestsA)) {
        const type = ggmlTypeByName(name)!.type;
        const back = dequantize(type, quantize(type, a), a.length);
        assert.equal(sha(new Uint8Array(back.buffer, back.byteOffset, back.byteLength)), digest, name);
    }
});

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

// sha256 of ggml's `dequantize_row_iq*` (same build as above) over 128 pseudo-random blocks whose
// fp16 scales are forced small and finite (generator below).
const iqDequantDigests: Record<string, string> = {
    IQ2_XXS: "dc58d8755f3c16d696818c07979fab73c0ef9eba1e6ed748b2a4f6e8b6f64e4b",
    IQ2_XS: "82a8ed42a62d90190f53485e76f440a890860d288e860d55d70d484cfcb8970a",
    IQ2_S: "8843dbf582af28f0a308bd5767d7a4fee5de0a07d462a170a4ae6c607eac6ff7",
    IQ3_XXS: "89dfefa1aa7afe9c9ed134f2cbb9ae802c0c13ab171965536013007b8c11fe16",
    IQ3_S: "52f8a1cd727bd0020ec1d4abbaa3af263267bf301306b6b9e764a82a24d64921",
    IQ1_S: "15d6b5d9f319b6ed951ca4ca89872c3c1f6db3ec9dad5a8c5ed2837d317be1f2",
    IQ1_M: "52aff75681821866a2dd5583ca84c6cc6ef0ee14fe539058167fb642d2fb71c8"
};

test("IQ1/IQ2/IQ3 dequantizers are bit-exact with ggml's", () => {
    for (const [name, digest] of Object.entries(iqDequantDigests)) {
        const traits = ggmlTypeByName(name)!;
        const t = traits.type, n = 32768, nb = n / 256;
        let s = 12345 + t;
        const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
        const y = new Uint8Array(nb * traits.typeSize);
        for (let i = 0; i < y.length; i++) y[i] = rnd() & 255;
        if (t !== GgmlType.IQ1_M) {
            for (let b = 0; b < nb; b++) { y[b * traits.typeSize] = rnd() & 255; y[b * traits.typeSize + 1] = 0x10 + (rnd() & 0x1f); }
        } else {
            for (let b = 0; b < nb; b++) {
                const o = b * traits.typeSize + 48;
                for (let k = 0; k < 4; k++) y[o + 2 * k + 1] = (y[o + 2 * k + 1]! & 0x0f) | ((k === 3 ? 0x1 : (rnd() & 0xf)) << 4);
            }
        }
        const out = dequantize(t, y, n);
        assert.equal(sha(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)), digest, name);
    }
});
