import {isUrl, type ByteSource} from "./ByteSource.js";
import {FileByteSource} from "./FileByteSource.js";
import {HttpByteSource} from "./HttpByteSource.js";

export interface OpenByteSourceOptions {
    /** Fetch implementation for URLs. Defaults to the global `fetch`. */
    fetch?: typeof fetch;
    /** Extra HTTP request headers. Defaults to none. */
    headers?: Record<string, string>;
    signal?: AbortSignal;
}

/** Opens a path or URL and reads its first `length` bytes (one request for a URL). */
export async function openByteSource(source: string, length: number, options: OpenByteSourceOptions = {}): Promise<{source: ByteSource, prefix: Uint8Array}> {
    if (isUrl(source)) return HttpByteSource.open(source, length, options);
    const file = await FileByteSource.open(source);
    try {
        return {source: file, prefix: await file.read(0, length)};
    } catch (error) {
        await file.close();
        throw error;
    }
}
