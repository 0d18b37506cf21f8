import path from "node:path";
import {InvalidModelNameError} from "./errors/InvalidModelNameError.js";

/** MAX characters of a model name; longer input is rejected before it reaches the file system. */
export const MAX_MODEL_NAME_LENGTH = 200;
/** MAX bytes of one file or folder name the store creates (most file systems stop at 255). */
export const MAX_FILE_NAME_BYTES = 240;

// Control characters, and the separators of every platform, never belong in a stored name.
const FORBIDDEN = /[\u0000-\u001f\u007f]/;

/**
 * Checks a store name (a catalog name such as `deepseek-r1-distill-qwen-14b:q4_k_m` or an
 * `hf:OWNER/REPO/FILE.gguf` reference) and throws `InvalidModelNameError` when it is unusable.
 */
export function validateModelName(name: string): void {
    if (name.length === 0) throw new InvalidModelNameError(name, "it is empty");
    if (name.length > MAX_MODEL_NAME_LENGTH) throw new InvalidModelNameError(name, `longer than ${MAX_MODEL_NAME_LENGTH} characters`);
    if (FORBIDDEN.test(name)) throw new InvalidModelNameError(name, "it contains control characters");
    if (name.trim() !== name) throw new InvalidModelNameError(name, "it starts or ends with spaces");
    if (name.startsWith(".") || name.startsWith("-")) throw new InvalidModelNameError(name, "it starts with '.' or '-'");
    if (name.split(/[/\\]/).some((segment) => segment === ".." || segment === ".")) throw new InvalidModelNameError(name, "it contains a '.' or '..' segment");
}

/**
 * The folder name of a model inside `models/`: every character outside `[A-Za-z0-9._-]` is
 * percent-encoded, so the result has no separator and maps back to exactly one name.
 */
export function modelDirName(name: string): string {
    validateModelName(name);
    const encoded = Array.from(new TextEncoder().encode(name), (byte) => {
        const char = String.fromCharCode(byte);
        return /[A-Za-z0-9._-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }).join("");
    if (encoded.length > MAX_FILE_NAME_BYTES) throw new InvalidModelNameError(name, "too long once encoded as a folder name");
    return encoded;
}

/** Inverse of `modelDirName`; `undefined` for a folder name it could not have produced. */
export function modelNameFromDir(dirName: string): string | undefined {
    if (!/^(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+$/.test(dirName)) return undefined;
    try {
        const name = decodeURIComponent(dirName);
        return modelDirName(name) === dirName ? name : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Checks the name a file gets inside a model folder (the last segment of its hub path): a plain
 * file name, nothing that could climb out of the folder or collide with the store's own files.
 */
export function validateStoredFileName(fileName: string): void {
    if (fileName.length === 0 || Buffer.byteLength(fileName) > MAX_FILE_NAME_BYTES) throw new InvalidModelNameError(fileName, "bad file name length");
    if (FORBIDDEN.test(fileName) || /[/\\:]/.test(fileName)) throw new InvalidModelNameError(fileName, "a file name may not contain separators or control characters");
    if (fileName.startsWith(".")) throw new InvalidModelNameError(fileName, "a file name may not start with '.'");
    if (/\.(?:incomplete|lock|json|tmp)$/.test(fileName)) throw new InvalidModelNameError(fileName, "a file name may not end like the store's own files");
}

/** `child` resolved under `parent`, or throws when it would land anywhere else. */
export function pathInside(parent: string, child: string): string {
    const full = path.resolve(parent, child);
    const relative = path.relative(parent, full);
    if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative))
        throw new InvalidModelNameError(child, "it points outside the model store");
    return full;
}
