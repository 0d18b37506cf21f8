/** Random access to the bytes of a local file or a remote URL. */
export interface ByteSource {
    /** Path or URL. */
    readonly name: string;
    /** Total size in bytes. */
    readonly size: number;
    /** Up to `length` bytes from `offset` (fewer only at the end of the file). */
    read(offset: number, length: number): Promise<Uint8Array>;
    close(): Promise<void>;
}

/** Whether a source string is an http(s) URL rather than a local path. */
export function isUrl(source: string): boolean {
    return /^https?:\/\//i.test(source);
}
