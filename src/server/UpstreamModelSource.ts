import {createHash} from "node:crypto";
import type {LoadedModel} from "../engine/types.js";
import {listUpstreamModels, UpstreamModel} from "../engine/upstream/UpstreamModel.js";
import type {ModelDescriptor, ModelLoadOptions, ModelSource} from "./ModelSource.js";

/** How long a listing of the upstream's models is reused (every request resolves its model name). */
const LIST_CACHE_MS = 5_000;

/**
 * The models of an OpenAI-compatible server (`r1 serve --upstream URL`), served through r1's APIs
 * (OpenAI, Ollama, Anthropic, the web page): loading one only connects to it. Cannot pull or delete.
 */
export class UpstreamModelSource implements ModelSource {
    private readonly url: string;
    private readonly apiKey: string | undefined;
    private cached: {at: number, models: Promise<ModelDescriptor[]>} | undefined;

    constructor(options: {url: string, apiKey?: string}) {
        this.url = options.url;
        this.apiKey = options.apiKey;
    }

    list(): Promise<ModelDescriptor[]> {
        if (this.cached === undefined || performance.now() - this.cached.at > LIST_CACHE_MS) {
            const models = listUpstreamModels({url: this.url, ...(this.apiKey === undefined ? {} : {apiKey: this.apiKey})}).then((ids) => ids.map((id) => ({
                name: id,
                path: `${this.url}#${id}`,
                size: 0,
                modifiedAt: new Date(0),
                digest: createHash("sha256").update(`${this.url}\u0000${id}`).digest("hex"),
                readOnly: true
            })));
            models.catch(() => {
                this.cached = undefined;
            });
            this.cached = {at: performance.now(), models};
        }
        return this.cached.models;
    }

    async resolve(name: string): Promise<ModelDescriptor | undefined> {
        const models = await this.list();
        return models.find((model) => model.name === name) ?? models.find((model) => model.name === name.replace(/:latest$/, ""));
    }

    load(model: ModelDescriptor, options: ModelLoadOptions): Promise<LoadedModel> {
        return UpstreamModel.load({url: this.url, model: model.name, parallel: options.parallel, ...(this.apiKey === undefined ? {} : {apiKey: this.apiKey})});
    }
}
