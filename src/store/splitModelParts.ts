/** MAX parts of one split GGUF (llama.cpp's gguf-split numbers them with five digits). */
export const MAX_SPLIT_PARTS = 999;

const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/**
 * For a split GGUF name (`…-00001-of-00003.gguf`, any part) the names of all its parts in
 * order; for a plain file, just that file. Works on hub paths (folders kept) and file names.
 */
export function splitModelParts(file: string): string[] {
    const match = SPLIT.exec(file);
    if (match === null) return [file];
    const count = Number(match[3]);
    if (count < 1 || count > MAX_SPLIT_PARTS || Number(match[2]) < 1 || Number(match[2]) > count) return [file];
    const total = match[3]!;
    return Array.from({length: count}, (_, index) => `${match[1]}-${String(index + 1).padStart(5, "0")}-of-${total}.gguf`);
}
