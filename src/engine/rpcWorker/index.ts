export {RpcWorker, DEFAULT_RPC_PORT, RPC_WORKER_START_TIMEOUT_MS, type StartRpcWorkerOptions} from "./RpcWorker.js";
export {parseCidr, isAllowed, isLoopbackHost, addressBytes, InvalidCidrError, type Cidr} from "./cidr.js";
export {parseRpcServerBanner, type RpcDevice} from "./parseRpcServerOutput.js";
export {RpcWorkerExposedError, RpcWorkerStartError} from "./errors.js";
