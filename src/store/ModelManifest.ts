import {z} from "zod";

/** MAX bytes of a manifest read back from disk (a real one is well under 4 KiB). */
export const MAX_MANIFEST_BYTES = 256 * 1024;
/** MAX files in one model (the 671B original ships in up to a few dozen parts). */
export const MAX_MODEL_FILES = 256;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const manifestFile = z.object({
    /** File name inside the model folder. */
    name: z.string().min(1).max(255),
    /** Path of the file in its hub repository (or the URL it came from). */
    source: z.string().max(2048),
    size: z.number().int().nonnegative(),
    sha256,
    /** Whether the hub published the sha256 it was checked against (always true for LFS files). */
    verified: z.boolean()
});

/** The `manifest.json` of a pulled model: written last, so a model without one is not complete. */
export const modelManifestSchema = z.object({
    schemaVersion: z.literal(1),
    /** Store name: `deepseek-r1-distill-qwen-14b:q4_k_m` or `hf:OWNER/REPO/FILE.gguf`. */
    name: z.string().min(1).max(200),
    /** What it was downloaded from: `hf:OWNER/REPO/FILE.gguf`. */
    source: z.string().max(2048),
    repo: z.string().max(300).optional(),
    /** Commit the files were pinned to. */
    revision: z.string().max(200).optional(),
    /** sha256 of the first (or only) file. */
    sha256,
    /** Total bytes of all files. */
    size: z.number().int().nonnegative(),
    quant: z.string().max(64).optional(),
    catalogId: z.string().max(200).optional(),
    /** The name the user typed, when it was an alias (`deepseek-r1:14b`). */
    requestedAs: z.string().max(200).optional(),
    pulledAt: z.string().max(64),
    files: z.array(manifestFile).min(1).max(MAX_MODEL_FILES)
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelManifestFile = z.infer<typeof manifestFile>;

/** `pull.json`: written when a pull starts, so `r1 ls` / `r1 rm` can name a half-done download. */
export const pendingPullSchema = z.object({
    schemaVersion: z.literal(1),
    name: z.string().min(1).max(200),
    source: z.string().max(2048),
    startedAt: z.string().max(64),
    totalBytes: z.number().int().nonnegative().optional(),
    files: z.array(z.object({
        name: z.string().min(1).max(255),
        size: z.number().int().nonnegative().optional(),
        /** Set once the file is verified and renamed into place, so a resumed pull skips it without rehashing. */
        verifiedSha256: sha256.optional()
    })).max(MAX_MODEL_FILES)
});

export type PendingPull = z.infer<typeof pendingPullSchema>;
