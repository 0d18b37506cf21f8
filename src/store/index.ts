// The model store and downloader: what `r1 pull / ls / rm / show` use, and what `r1 run`,
// `r1 serve` and `r1 bench` call to turn a name into a GGUF path.
export {resolveR1Home} from "./resolveR1Home.js";
export {ModelStore, MANIFEST_FILE, PENDING_PULL_FILE, type StoredModel, type ModelStoreOptions} from "./ModelStore.js";
export {modelManifestSchema, pendingPullSchema, MAX_MANIFEST_BYTES, MAX_MODEL_FILES, type ModelManifest, type ModelManifestFile, type PendingPull} from "./ModelManifest.js";
export {validateModelName, validateStoredFileName, modelDirName, modelNameFromDir, MAX_MODEL_NAME_LENGTH, MAX_FILE_NAME_BYTES} from "./modelNames.js";
export {parseHfReference, isHfReference, type HfModelReference} from "./parseModelReference.js";
export {splitModelParts, MAX_SPLIT_PARTS} from "./splitModelParts.js";
export {resolvePullSource, quantFromFileName, type PullSource} from "./resolvePullSource.js";
export {resolveModel, resolveModelPath, type ResolveModelOptions, type ResolvedLocalModel} from "./resolveModelPath.js";
export {pullIter, pullModel, type PullOptions} from "./pullIter.js";
export type {PullEvent, PullFilePlan} from "./PullEvent.js";
export {downloadFileIter, downloadFile, MAX_UNSIZED_DOWNLOAD_BYTES, type DownloadFileOptions} from "./downloadFileIter.js";
export type {DownloadEvent, DownloadResult} from "./DownloadEvent.js";
export {fetchHubFileMetadata, listHubGgufFiles, type HubFileMetadata, type HubRequestOptions} from "./fetchHubFileMetadata.js";
export {hfEndpoint, hfToken, hfResolveUrl, hfTreeUrl, DEFAULT_HF_ENDPOINT} from "./hfHub.js";
export {checkFreeDisk, DEFAULT_FREE_DISK_MARGIN} from "./checkFreeDisk.js";
export {acquireFileLock, type FileLock} from "./acquireFileLock.js";
export {RateMeter} from "./RateMeter.js";
export {InvalidModelNameError} from "./errors/InvalidModelNameError.js";
export {ModelNotFoundError} from "./errors/ModelNotFoundError.js";
export {DamagedModelError} from "./errors/DamagedModelError.js";
export {HubAuthError} from "./errors/HubAuthError.js";
export {HubFileNotFoundError} from "./errors/HubFileNotFoundError.js";
export {HttpStatusError} from "./errors/HttpStatusError.js";
export {NetworkError} from "./errors/NetworkError.js";
export {ChecksumMismatchError} from "./errors/ChecksumMismatchError.js";
export {DiskFullError} from "./errors/DiskFullError.js";
export {PullLockedError} from "./errors/PullLockedError.js";
export {NotAGgufError} from "./errors/NotAGgufError.js";
export {findStoredModelName} from "./findStoredModelName.js";
export {formatBytes, formatDuration, etaSeconds} from "./formatTransfer.js";
export {LocalStoreModelError} from "./errors/LocalStoreModelError.js";
export {findLocalStoreModels, findLocalStoreModel, resolveLocalStoreModel, isLocalStoreName, localStoreDirs,
    type LocalStoreModel, type LocalStoreOrigin, type LocalStoreEnvironment} from "./localStores/index.js";
