import {ContextOverflowError, UnsupportedOptionError} from "../engine/errors.js";
import type {EmbeddingResult} from "../engine/types.js";
import {ApiError} from "./ApiError.js";
import type {ServerContext} from "./ServerContext.js";

export interface EmbedRequest {
    model: string;
    input: string[];
    keepAliveMs?: number;
    clientSignal: AbortSignal;
}

/**
 * Embeds texts with a model from the pool (holding one of its slots meanwhile). A model or engine
 * that cannot embed is a 400 saying so; an input longer than the embedding context a 400 too.
 */
export async function embedTexts(ctx: ServerContext, request: EmbedRequest): Promise<EmbeddingResult & {model: string, loadMs: number}> {
    const lease = await ctx.pool.acquire(request.model, {
        signal: request.clientSignal,
        ...(request.keepAliveMs === undefined ? {} : {keepAliveMs: request.keepAliveMs})
    });
    try {
        const notEmbedding = new ApiError("invalid_request", `Model "${lease.descriptor.name}" does not embed: this engine or model gives no embeddings.`, {param: "model"});
        if (lease.model.embed === undefined) throw notEmbedding;
        try {
            const result = await lease.model.embed(request.input, {signal: request.clientSignal});
            return {...result, model: lease.descriptor.name, loadMs: lease.loadMs};
        } catch (error) {
            if (error instanceof UnsupportedOptionError) throw notEmbedding;
            if (error instanceof ContextOverflowError)
                throw new ApiError("context_length_exceeded", `An input is ${error.promptTokens} tokens but embeddings take at most ${error.contextSize}; shorten it.`, {param: "input", cause: error});
            throw error;
        }
    } finally {
        lease.release();
    }
}
