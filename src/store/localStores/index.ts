// Models already on disk in other programs' stores, found read-only (never copied or modified).
export {type LocalStoreModel, type LocalStoreOrigin, LOCAL_STORE_PREFIXES, isLocalStoreName} from "./LocalStoreModel.js";
export {localStoreDirs, type LocalStoreDirs, type LocalStoreEnvironment} from "./localStoreDirs.js";
export {findLocalStoreModels} from "./findLocalStoreModels.js";
export {findLocalStoreModel, resolveLocalStoreModel} from "./resolveLocalStoreModel.js";
export {findOllamaModels, ollamaModelName, OLLAMA_MODEL_MEDIA_TYPE} from "./findOllamaModels.js";
export {findLmStudioModels} from "./findLmStudioModels.js";
export {findHfCacheModels} from "./findHfCacheModels.js";
export {findLlamaCppCacheModels} from "./findLlamaCppCacheModels.js";
export {MAX_LOCAL_STORE_FILES, MAX_OLLAMA_MANIFEST_BYTES, MAX_LOCAL_STORE_DEPTH} from "./limits.js";
