export {RpcWorker, DEFAULT_RPC_PORT, RPC_WORKER_START_TIMEOUT_MS, type StartRpcWorkerOptions} from "./RpcWorker.js";
export {parseCidr, isAllowed, isLoopbackHost, addressBytes, InvalidCidrError, type Cidr} from "./cidr.js";
export {parseRpcServerBanner, type RpcDevice} from "./parseRpcServerOutput.js";
export {RpcWorkerExposedError, RpcWorkerStartError, RpcWorkerUnreachableError} from "./errors.js";
export {probeRpcWorker, parseRpcEndpoint, RPC_PROBE_TIMEOUT_MS, RPC_PROTOCOL_MAJOR, type RpcWorkerDevice, type RpcWorkerProbe} from "./probeRpcWorker.js";
