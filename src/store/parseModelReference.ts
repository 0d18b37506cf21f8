import {InvalidModelNameError} from "./errors/InvalidModelNameError.js";
import {validateModelName} from "./modelNames.js";

/** A model named by `hf:OWNER/REPO/PATH.gguf` (`PATH` may have folders). */
export interface HfModelReference {
    kind: "hf";
    repo: string;
    /** Path of the (first) file in the repository. */
    file: string;
    /** Store name: the reference itself, `hf:OWNER/REPO/PATH.gguf`. */
    name: string;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether `input` is an `hf:` reference (it may still be malformed). */
export function isHfReference(input: string): boolean {
    return input.startsWith("hf:") || input.startsWith("hf.co/") || input.startsWith("huggingface.co/");
}

/**
 * Parses `hf:OWNER/REPO/PATH.gguf` (also `hf.co/OWNER/REPO/PATH.gguf`, as Ollama writes it).
 * Every segment is a plain name: no `..`, no empty parts, no URL tricks.
 */
export function parseHfReference(input: string): HfModelReference {
    const body = input.replace(/^(?:hf:|hf\.co\/|huggingface\.co\/)/, "");
    const segments = body.split("/");
    if (segments.length < 3) throw new InvalidModelNameError(input, "an hf: name is hf:OWNER/REPO/FILE.gguf");
    for (const segment of segments)
        if (!SEGMENT.test(segment) || segment.length > 120) throw new InvalidModelNameError(input, `bad path segment ${JSON.stringify(segment)}`);
    const file = segments.slice(2).join("/");
    if (!file.toLowerCase().endsWith(".gguf")) throw new InvalidModelNameError(input, "the file must be a .gguf");
    const name = `hf:${segments.join("/")}`;
    validateModelName(name);
    return {kind: "hf", repo: `${segments[0]}/${segments[1]}`, file, name};
}
