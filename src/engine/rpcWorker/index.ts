export {RpcWorker, DEFAULT_RPC_PORT, RPC_WORKER_START_TIMEOUT_MS, type StartRpcWorkerOptions} from "./RpcWorker.js";
export {parseCidr, isAllowed, isLoopbackHost, addressBytes, InvalidCidrError, type Cidr} from "./cidr.js";
export {parseRpcServerBanner, type RpcDevice} from "./parseRpcServerOutput.js";
export {RpcWorkerExposedError, RpcWorkerStartError} from "./errors.js";
// The protocol client lives in rpcProtocol/ (the llama-server engine uses it too); re-exported for callers of the worker.
export {probeRpcWorker, parseRpcEndpoint, RPC_PROBE_TIMEOUT_MS, RPC_PROTOCOL_MAJOR, RpcWorkerUnreachableError, findLostWorker, type RpcWorkerDevice,
    type RpcWorkerProbe} from "../rpcProtocol/index.js";
