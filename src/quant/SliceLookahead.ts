import type {GgufFile} from "../gguf/GgufFile.js";
import type {GgufTensorInfo} from "../gguf/GgufTensorInfo.js";
import type {GgmlType} from "../gguf/GgmlType.js";
import {GgufDataReader} from "../gguf/readTensorData.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {rowBytes} from "./convertTensorData.js";
import type {QuantizeWorkerPool} from "./QuantizeWorkerPool.js";

/** Longest row (ne[0] elements of the input type) converted as one piece; real models use < 1 MiB. */
export const MAX_QUANTIZE_ROW_BYTES = 256 * 1024 * 1024;

/** A tensor to convert: where its data is, and the type to write. */
export interface SliceConversion {
    readonly info: GgufTensorInfo;
    readonly targetType: GgmlType;
    /** Importance weights (`ne0 × ne2`), when the tensor is quantized with an imatrix. */
    readonly importance?: Float32Array;
}

interface InFlight {
    readonly tensor: number;
    readonly job: Promise<Uint8Array>;
    readonly last: boolean;
}

/**
 * Converts the tensors' slices on the pool in write order, running ahead across tensor ends:
 * while the writer drains one tensor, the next one's slices are already being quantized, so the
 * threads do not idle at every boundary (most tensors of a model are only a few slices long).
 * At most `maxInFlight` slices (input and output) are held at once.
 */
export class SliceLookahead {
    private readonly fifo: InFlight[] = [];
    private readonly source: AsyncGenerator<InFlight, void>;
    private exhausted = false;

    constructor(file: GgufFile, private readonly pool: QuantizeWorkerPool, private readonly conversions: ReadonlyArray<SliceConversion | undefined>,
        private readonly options: {readonly sliceBytes: number, readonly maxInFlight: number, readonly signal?: AbortSignal | undefined}) {
        this.source = this.submitAll(file);
    }

    /** The converted slices of tensor `index`, in order. Tensors must be asked for in write order. */
    async *slices(index: number): AsyncGenerator<Uint8Array, void> {
        for (;;) {
            await this.topUp();
            const head = this.fifo.shift();
            if (head === undefined || head.tensor !== index) throw new Error(`slices of tensor ${index} asked out of write order`);
            yield await head.job;
            if (head.last) return;
        }
    }

    async close(): Promise<void> {
        await this.source.return();
    }

    private async topUp(): Promise<void> {
        while (!this.exhausted && this.fifo.length < this.options.maxInFlight) {
            const next = await this.source.next();
            if (next.done === true) this.exhausted = true;
            else this.fifo.push(next.value);
        }
    }

    private async *submitAll(file: GgufFile): AsyncGenerator<InFlight, void> {
        for (const [tensor, conversion] of this.conversions.entries()) {
            if (conversion === undefined) continue;
            const {info, targetType, importance} = conversion;
            const rowLength = info.shape[0] ?? 1;
            const inRow = rowBytes(info.type, rowLength);
            if (inRow > MAX_QUANTIZE_ROW_BYTES) {
                throw new R1Error(`tensor ${info.name} has ${inRow}-byte rows, more than MAX_QUANTIZE_ROW_BYTES (${MAX_QUANTIZE_ROW_BYTES})`,
                    {exitCode: ExitCode.badFile, hint: "this is not a model r1 can quantize"});
            }
            // A reader whose chunks are whole rows; its chunks become the work items.
            const reader = new GgufDataReader(file, {chunkBytes: Math.max(1, Math.floor(this.options.sliceBytes / inRow)) * inRow});
            try {
                let pending: Promise<Uint8Array> | undefined;
                let firstRow = 0;
                for await (const bytes of reader.iter(info)) {
                    this.options.signal?.throwIfAborted();
                    if (pending !== undefined) yield {tensor, job: pending, last: false};
                    const rows = bytes.length / inRow;
                    pending = this.pool.convert(info.type, bytes, rows * rowLength, targetType,
                        importance === undefined ? undefined : {weights: importance, nPerRow: rowLength, firstRow, rowsPerExpert: info.shape[1] ?? 1},
                        true); // each read is a fresh buffer, used only here: it moves to the worker

                    firstRow += rows;
                    pending.catch(() => undefined); // observed when its turn comes
                }
                yield {tensor, job: pending ?? Promise.resolve(new Uint8Array(0)), last: true};
            } finally {
                await reader.close();
            }
        }
    }
}
