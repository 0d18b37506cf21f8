import type {LoadedModel} from "../engine/types.js";
import type {ModelDescriptor, ModelLoadOptions, ModelSource, PullProgress} from "./ModelSource.js";

/**
 * Several sources as one: listing concatenates them (the first source wins a name), a name
 * resolves in the first source that has it, and pull/delete go to the first source that can.
 */
export class CombinedModelSource implements ModelSource {
    private readonly _sources: ModelSource[];
    private readonly _owner = new WeakMap<ModelDescriptor, ModelSource>();

    constructor(sources: ModelSource[]) {
        this._sources = sources;
        const puller = sources.find((source) => source.pull !== undefined);
        if (puller?.pull !== undefined) this.pull = (name, signal) => puller.pull!(name, signal);
        const remover = sources.find((source) => source.remove !== undefined);
        if (remover?.remove !== undefined) this.remove = (name) => remover.remove!(name);
    }

    pull?: (name: string, signal: AbortSignal) => AsyncIterable<PullProgress>;
    remove?: (name: string) => Promise<boolean>;

    async list(): Promise<ModelDescriptor[]> {
        const seen = new Set<string>();
        const all: ModelDescriptor[] = [];
        for (const source of this._sources) {
            for (const model of await source.list()) {
                if (seen.has(model.name)) continue;
                seen.add(model.name);
                this._owner.set(model, source);
                all.push(model);
            }
        }
        return all;
    }

    async resolve(name: string): Promise<ModelDescriptor | undefined> {
        for (const source of this._sources) {
            const model = await source.resolve(name);
            if (model !== undefined) {
                this._owner.set(model, source);
                return model;
            }
        }
        return undefined;
    }

    async load(model: ModelDescriptor, options: ModelLoadOptions): Promise<LoadedModel> {
        const owner = this._owner.get(model) ?? this._sources[0]!;
        return owner.load(model, options);
    }
}
