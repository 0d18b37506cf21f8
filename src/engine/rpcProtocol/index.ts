export {probeRpcWorker, parseRpcEndpoint, RPC_PROBE_TIMEOUT_MS, RPC_PROTOCOL_MAJOR, RPC_PROTOCOL_VERSION, type RpcWorkerDevice, type RpcWorkerProbe} from "./probeRpcWorker.js";
export {RpcWorkerUnreachableError} from "./errors.js";
export {findLostWorker} from "./findLostWorker.js";
