import {LocalStoreModelError} from "../errors/LocalStoreModelError.js";
import {findLocalStoreModels} from "./findLocalStoreModels.js";
import type {LocalStoreEnvironment} from "./localStoreDirs.js";
import type {LocalStoreModel} from "./LocalStoreModel.js";

/**
 * The runnable model called `name` (`ollama:deepseek-r1:14b`; `ollama:NAME` means tag `latest`, as
 * in Ollama) in the other programs' stores, or `undefined` when none has it. Throws
 * `LocalStoreModelError` when it is there but incomplete or not a GGUF: it is never run.
 */
export async function findLocalStoreModel(name: string, environment: LocalStoreEnvironment = {}): Promise<LocalStoreModel | undefined> {
    const wanted = new Set([name]);
    if (name.startsWith("ollama:") && !name.slice("ollama:".length).includes(":")) wanted.add(`${name}:latest`);
    const matches = (await findLocalStoreModels(environment)).filter((model) => wanted.has(model.name));
    const runnable = matches.find((model) => model.status === "ok");
    if (runnable !== undefined) return runnable;
    const broken = matches[0];
    if (broken !== undefined) throw new LocalStoreModelError(name, broken);
    return undefined;
}

/** Like `findLocalStoreModel`, but a missing model throws `LocalStoreModelError` too. */
export async function resolveLocalStoreModel(name: string, environment: LocalStoreEnvironment = {}): Promise<LocalStoreModel> {
    const model = await findLocalStoreModel(name, environment);
    if (model === undefined) throw new LocalStoreModelError(name);
    return model;
}
