// llama.cpp's importance-matrix files, read as `common_imatrix_load` (common/imatrix-loader.cpp)
// reads them: the GGUF form llama-imatrix writes today (`<tensor>.in_sum2` + `<tensor>.counts`
// F32 tensors, `imatrix.*` keys) and the legacy `.dat` form (raw little-endian records).
import {open} from "node:fs/promises";
import {GgmlType} from "../../gguf/GgmlType.js";
import {GgufError} from "../../gguf/errors/GgufError.js";
import {readGguf} from "../../gguf/readGguf.js";
import {GgufDataReader} from "../../gguf/readTensorData.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";

/** Most entries (weight tensors) in one imatrix; DeepSeek R1 671B has ~1,000. */
export const MAX_IMATRIX_ENTRIES = 1 << 16;
/** Longest tensor name in a legacy `.dat` record (ggml names are < 64 bytes). */
export const MAX_IMATRIX_NAME_BYTES = 4096;
/** Most values of one entry: row length × experts (R1's gate/up experts: 7,168 × 256 ≈ 1.8M). */
export const MAX_IMATRIX_ENTRY_VALUES = 1 << 26;
/** Largest imatrix file read (R1 671B's is ~1 GiB). */
export const MAX_IMATRIX_FILE_BYTES = 8 * 1024 ** 3;
/** Longest dataset name in a legacy file's trailer. */
export const MAX_IMATRIX_DATASET_BYTES = 1 << 20;

/** One weight tensor's statistics: Σ activation² per column (per expert), and how many tokens each sum holds. */
export interface ImatrixEntry {
    /** `ne0 × n_expert` sums (legacy files: already divided by the token count, times `ncall`). */
    readonly sums: Float32Array;
    /** Per-expert token counts (GGUF form), or `[ncall]` (legacy form). */
    readonly counts: readonly number[];
}

export interface ImportanceMatrix {
    /** By weight tensor name (`blk.0.attn_q.weight`), in name order like llama.cpp's std::map. */
    readonly entries: ReadonlyMap<string, ImatrixEntry>;
    /** Calibration text files it was computed on (`imatrix.datasets`). */
    readonly datasets: readonly string[];
    readonly chunkCount: number;
    /** Tokens per chunk (0 in legacy files). */
    readonly chunkSize: number;
    readonly isLegacy: boolean;
    /** GGUF form only: all three `imatrix.*` keys present (llama-quantize refuses the file otherwise). */
    readonly hasMetadata: boolean;
}

/** An imatrix file that cannot be read or used. */
export class ImatrixFileError extends R1Error {
    constructor(readonly path: string, detail: string) {
        super(`${path} is not a usable importance matrix: ${detail}`,
            {exitCode: ExitCode.badFile, hint: "compute one with `r1 imatrix MODEL --text FILE` (or llama.cpp's llama-imatrix)"});
    }
}

const GGUF_MAGIC = 0x46554747;

/** Reads an imatrix in either form (GGUF when the file starts with `GGUF`, else legacy `.dat`). */
export async function readImatrix(path: string): Promise<ImportanceMatrix> {
    let handle;
    try {
        handle = await open(path, "r");
    } catch (error) {
        throw new R1Error(`cannot open the importance matrix ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
            {exitCode: ExitCode.notFound, hint: "check the --imatrix path"});
    }
    let size: number, magic: number;
    try {
        size = (await handle.stat()).size;
        const head = Buffer.alloc(4);
        await handle.read(head, 0, 4, 0);
        magic = head.readUInt32LE(0);
        if (size > MAX_IMATRIX_FILE_BYTES) throw new ImatrixFileError(path, `${size} bytes, more than MAX_IMATRIX_FILE_BYTES (${MAX_IMATRIX_FILE_BYTES})`);
        if (magic !== GGUF_MAGIC) return await readLegacy(path, handle, size);
    } finally {
        await handle.close();
    }
    return readGgufImatrix(path);
}

async function readGgufImatrix(path: string): Promise<ImportanceMatrix> {
    let file;
    try {
        file = await readGguf(path, {split: false});
    } catch (error) {
        if (error instanceof GgufError) throw new ImatrixFileError(path, error.message);
        throw error;
    }
    if (file.tensors.length < 1) throw new ImatrixFileError(path, "no data");
    if (file.tensors.length > 2 * MAX_IMATRIX_ENTRIES) throw new ImatrixFileError(path, `more than MAX_IMATRIX_ENTRIES (${MAX_IMATRIX_ENTRIES}) entries`);
    const m = file.metadata;
    const datasetsEntry = m.get("imatrix.datasets");
    const datasets = datasetsEntry !== undefined && Array.isArray(datasetsEntry.value) && datasetsEntry.value.every((v) => typeof v === "string")
        ? [...datasetsEntry.value as string[]] : [];
    const u32 = (key: string): number | undefined => {
        const e = m.get(key);
        if (e === undefined) return undefined;
        if (typeof e.value !== "number") throw new ImatrixFileError(path, `${key} is not an integer`);
        return e.value;
    };
    const chunkCount = u32("imatrix.chunk_count"), chunkSize = u32("imatrix.chunk_size");
    const pairs = new Map<string, {sums?: (typeof file.tensors)[number], counts?: (typeof file.tensors)[number]}>();
    for (const t of file.tensors) {
        const [base, kind] = t.name.endsWith(".in_sum2") ? [t.name.slice(0, -8), "sums" as const]
            : t.name.endsWith(".counts") ? [t.name.slice(0, -7), "counts" as const] : [undefined, undefined];
        if (base === undefined || base === "") continue;
        const p = pairs.get(base) ?? {};
        p[kind!] = t;
        pairs.set(base, p);
    }
    const entries = new Map<string, ImatrixEntry>();
    const reader = new GgufDataReader(file);
    try {
        for (const name of [...pairs.keys()].sort(byteOrder)) {
            const {sums, counts} = pairs.get(name)!;
            if (sums === undefined || counts === undefined) throw new ImatrixFileError(path, `mismatched sums and counts for ${name}`);
            if (sums.type !== GgmlType.F32 || counts.type !== GgmlType.F32) throw new ImatrixFileError(path, `sums and counts for ${name} must be F32`);
            if (sums.elements > MAX_IMATRIX_ENTRY_VALUES) throw new ImatrixFileError(path, `${name} has ${sums.elements} values, more than MAX_IMATRIX_ENTRY_VALUES`);
            if (counts.elements < 1 || sums.elements % counts.elements !== 0) throw new ImatrixFileError(path, `${name}: ${sums.elements} sums do not split into ${counts.elements} experts`);
            const s = floats(await reader.read(sums));
            const c = floats(await reader.read(counts));
            // common_imatrix_load: counts are rounded to integers (std::lround: half away from zero)
            entries.set(name, {sums: s, counts: Array.from(c, (v) => v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5))});
        }
    } finally {
        await reader.close();
    }
    return {
        entries, datasets, chunkCount: chunkCount ?? 0, chunkSize: chunkSize ?? 0, isLegacy: false,
        hasMetadata: datasetsEntry !== undefined && chunkCount !== undefined && chunkSize !== undefined
    };
}

function floats(bytes: Uint8Array): Float32Array {
    const out = new Float32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
    return out;
}

// std::map<std::string, …> orders names by bytes; these names are ASCII, where that is code-unit order.
function byteOrder(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Sequential little-endian reads from a file handle, through a buffer. */
class LegacyCursor {
    private buf = Buffer.alloc(0);
    private bufStart = 0;
    constructor(private readonly handle: import("node:fs/promises").FileHandle, readonly size: number, public pos = 0) {}

    async bytes(n: number): Promise<Buffer | undefined> {
        if (this.pos + n > this.size) return undefined;
        if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
            const want = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
            this.buf = Buffer.alloc(want);
            await this.handle.read(this.buf, 0, want, this.pos);
            this.bufStart = this.pos;
        }
        const out = this.buf.subarray(this.pos - this.bufStart, this.pos - this.bufStart + n);
        this.pos += n;
        return out;
    }

    async int32(): Promise<number | undefined> {
        return (await this.bytes(4))?.readInt32LE(0);
    }
}

async function readLegacy(path: string, handle: import("node:fs/promises").FileHandle, size: number): Promise<ImportanceMatrix> {
    const c = new LegacyCursor(handle, size);
    const nEntries = await c.int32();
    if (nEntries === undefined || nEntries < 1) throw new ImatrixFileError(path, "no data (neither GGUF nor a legacy .dat imatrix)");
    if (nEntries > MAX_IMATRIX_ENTRIES) throw new ImatrixFileError(path, `${nEntries} entries, more than MAX_IMATRIX_ENTRIES (${MAX_IMATRIX_ENTRIES})`);
    const entries = new Map<string, ImatrixEntry>();
    for (let i = 0; i < nEntries; i++) {
        const len = await c.int32();
        if (len === undefined || len < 0 || len > MAX_IMATRIX_NAME_BYTES) throw new ImatrixFileError(path, `bad name length for entry ${i + 1}`);
        const nameBytes = await c.bytes(len);
        if (nameBytes === undefined) throw new ImatrixFileError(path, `truncated name of entry ${i + 1}`);
        // the C loader keeps the name up to its first NUL
        const nul = nameBytes.indexOf(0);
        const name = nameBytes.subarray(0, nul < 0 ? len : nul).toString("latin1");
        const ncall = await c.int32();
        const nval = await c.int32();
        if (ncall === undefined || nval === undefined || nval < 1) throw new ImatrixFileError(path, `bad value count for entry ${i + 1}`);
        if (nval > MAX_IMATRIX_ENTRY_VALUES) throw new ImatrixFileError(path, `entry ${name} has ${nval} values, more than MAX_IMATRIX_ENTRY_VALUES`);
        const data = await c.bytes(nval * 4);
        if (data === undefined) throw new ImatrixFileError(path, `truncated data of entry ${name}`);
        entries.set(name, {sums: floats(data), counts: [ncall]});
    }
    // the trailer (chunk count, dataset name) is optional
    let chunkCount = 0;
    const datasets: string[] = [];
    if (c.pos < size) {
        const nCalls = await c.int32();
        if (nCalls !== undefined) {
            chunkCount = nCalls;
            const len = await c.int32();
            if (len !== undefined && len > 0 && len <= MAX_IMATRIX_DATASET_BYTES) {
                const d = await c.bytes(len);
                if (d !== undefined) {
                    const nul = d.indexOf(0);
                    datasets.push(d.subarray(0, nul < 0 ? len : nul).toString("utf8"));
                }
            }
        }
    }
    const sorted = new Map([...entries].sort(([a], [b]) => byteOrder(a, b)));
    return {entries: sorted, datasets, chunkCount, chunkSize: 0, isLegacy: true, hasMetadata: false};
}
