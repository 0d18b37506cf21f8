import type {LoadedModel} from "../engine/types.js";

/** A model the server can offer, before it is loaded. */
export interface ModelDescriptor {
    /** The name clients use (`model` in requests), e.g. `stories260K` or `deepseek-r1:7b`. */
    name: string;
    /** Path of the GGUF file (first part of a split model). */
    path: string;
    /** Bytes on disk. */
    size: number;
    modifiedAt: Date;
    /** `sha256:…` of the file when known; otherwise a digest of path, size and date. */
    digest: string;
    /** GGUF `general.architecture`, when known before loading. */
    family?: string;
    /** e.g. `7.6B`, when known. */
    parameterSize?: string;
    /** e.g. `Q4_K_M`, when known. */
    quantization?: string;
    /** A file the operator named (`--model`): served, never deleted by a client. Defaults to `false`. */
    readOnly?: boolean;
}

/** What the server asks of the loader for one model. */
export interface ModelLoadOptions {
    /** Sequences to create (`--parallel`). */
    parallel: number;
    /** Context size per sequence the client asked for; the loader (planner) decides when absent. */
    contextSize?: number;
}

/** Download progress of `POST /api/pull`, in Ollama's vocabulary. */
export interface PullProgress {
    status: string;
    digest?: string;
    total?: number;
    completed?: number;
}

/**
 * Where the server finds, loads, pulls and deletes models: the model store in `r1 serve`, a
 * scripted fake in tests. `list`/`resolve` must be cheap (no model loading).
 */
export interface ModelSource {
    list(): Promise<ModelDescriptor[]>;
    /** The model called `name`, or `undefined` when there is none. */
    resolve(name: string): Promise<ModelDescriptor | undefined>;
    load(model: ModelDescriptor, options: ModelLoadOptions): Promise<LoadedModel>;
    /** Downloads a model; absent when this source cannot download. */
    pull?(name: string, signal: AbortSignal): AsyncIterable<PullProgress>;
    /** Deletes a model's files; `false` when there is no such model. Absent when it cannot delete. */
    remove?(name: string): Promise<boolean>;
}
