export {DEFAULT_PORT, DEFAULT_HOST, MAX_BODY_BYTES, DEFAULT_MAX_QUEUE, DEFAULT_KEEP_ALIVE_MS, DEFAULT_REQUEST_TIMEOUT_MS} from "./limits.js";
export {ApiError, type ApiErrorCode} from "./ApiError.js";
export {createServerApp, type ServerApp, type ServerAppOptions} from "./createServerApp.js";
export {startServer, isLoopbackHost, type RunningServer, type StartServerOptions} from "./startServer.js";
export {FileModelSource, modelNameOfFile, type LoadFile} from "./FileModelSource.js";
export type {ModelDescriptor, ModelLoadOptions, ModelSource, PullProgress} from "./ModelSource.js";
export {ModelPool, type ModelLease} from "./ModelPool.js";
export {OLLAMA_COMPAT_VERSION} from "./ollamaRoutes.js";
export {parseKeepAlive} from "./parseKeepAlive.js";
