import {GgufError} from "./GgufError.js";

/** A metadata value type or ggml tensor type id that does not exist (or nested arrays). */
export class GgufUnknownTypeError extends GgufError {
    readonly kind: "value" | "tensor";
    readonly typeId: number;

    constructor(offset: number, kind: "value" | "tensor", typeId: number, context: string) {
        super(kind === "value" ? "unknown-value-type" : "unknown-tensor-type",
            `GGUF ${context} at byte ${offset} has unknown ${kind === "value" ? "value" : "ggml tensor"} type ${typeId}`, offset,
            {hint: kind === "tensor" ? "The file may need a newer llama.cpp than r1 knows." : undefined});
        this.kind = kind;
        this.typeId = typeId;
    }
}
