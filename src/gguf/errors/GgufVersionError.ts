import {GgufError} from "./GgufError.js";

/** GGUF version other than 2 or 3 (v1 is obsolete; big-endian files read as a huge version). */
export class GgufVersionError extends GgufError {
    readonly version: number;

    constructor(version: number) {
        const bigEndian = version > 0xffff && (version & 0xffff) === 0;
        super("unsupported-version", bigEndian
            ? "big-endian GGUF files are not supported"
            : `unsupported GGUF version ${version} (r1 reads versions 2 and 3)`, 4,
        {hint: "Convert the model again with a current llama.cpp."});
        this.version = version;
    }
}
