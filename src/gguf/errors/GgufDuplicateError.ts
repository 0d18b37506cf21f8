import {GgufError} from "./GgufError.js";

/** Two metadata keys or two tensors with the same name. */
export class GgufDuplicateError extends GgufError {
    readonly kind: "key" | "tensor";
    /** The repeated key or tensor name. */
    readonly duplicate: string;

    constructor(offset: number, kind: "key" | "tensor", name: string) {
        super(kind === "key" ? "duplicate-key" : "duplicate-tensor",
            `GGUF has a duplicate ${kind === "key" ? "metadata key" : "tensor"} ${JSON.stringify(name)} at byte ${offset}`, offset);
        this.kind = kind;
        this.duplicate = name;
    }
}
