import os from "node:os";
import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {findLlamaCppTools, requireLlamaCppTool} from "../../engine/llamaCppTools/index.js";
import {DEFAULT_RPC_PORT, isLoopbackHost, RpcWorker} from "../../engine/rpcWorker/index.js";
import {formatBytes} from "../../hardware/index.js";
import {physicalCoreCount} from "../../engine/physicalCoreCount.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {withHostPort} from "../options/hostPort.js";
import {withThreads} from "../options/threads.js";

interface WorkerArgs {
    host: string;
    port: number;
    device?: string[];
    cache: boolean;
    allow?: string[];
    threads?: number;
    "ggml-rpc-server"?: string;
}

/** The addresses other machines can reach this one at, for the `--rpc` hint when listening on all of them. */
function externalAddresses(): string[] {
    return Object.values(os.networkInterfaces()).flat()
        .filter((entry): entry is os.NetworkInterfaceInfo => entry !== undefined && !entry.internal && entry.family === "IPv4")
        .map((entry) => entry.address);
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
    command: "worker",
    describe: "lend this machine's devices to another r1 over llama.cpp's RPC (ggml-rpc-server)",
    builder: (yargs) => withThreads(withHostPort(yargs as Argv<object>, {host: "127.0.0.1", port: DEFAULT_RPC_PORT,
        hostDescribe: "address to listen on; off loopback it needs --allow", portDescribe: "port to listen on"}),
    {describe: "CPU threads for the CPU device (default: physical cores; ggml-rpc-server's own default is 1)"})
        .option("device", {type: "string", array: true, describe: "ggml devices to offer (e.g. CUDA0); default: the GPUs, else the CPU"})
        .option("cache", {type: "boolean", default: false, describe: "keep received tensors in a local cache (faster reloads)"})
        .option("allow", {type: "string", array: true, describe: "address ranges allowed to connect (CIDR, e.g. 192.168.1.0/24); r1 relays only those"})
        .option("ggml-rpc-server", {type: "string", describe: "use this ggml-rpc-server binary"})
        .epilog("llama.cpp's RPC protocol has no authentication and no encryption: keep workers on a network you trust. "
            + "Ctrl-C stops the worker.") as unknown as Argv<WorkerArgs>,
    handler: async (args) => {
        if (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535) throw new R1Error("--port must be a whole number from 1 to 65535", {exitCode: ExitCode.usage});
        const binary = args["ggml-rpc-server"] ?? requireLlamaCppTool(await findLlamaCppTools(), "ggml-rpc-server");
        const loopback = isLoopbackHost(args.host);
        if (!loopback && (args.allow ?? []).length > 0)
            process.stderr.write(pc.yellow(`warning: llama.cpp's RPC protocol has no authentication and no encryption; only ${args.allow!.join(", ")} may connect, and traffic is readable on the network\n`));
        // Listening for Ctrl-C before anything starts: a signal right after the ready line (or during
        // the start) must stop the worker, not kill r1 and leave ggml-rpc-server to the kernel.
        const stopped = new Promise<NodeJS.Signals>((resolve) => {
            process.once("SIGINT", () => resolve("SIGINT"));
            process.once("SIGTERM", () => resolve("SIGTERM"));
        });
        const worker = await RpcWorker.start({
            binary, host: args.host, port: args.port, cache: args.cache,
            ...args.device === undefined ? {} : {devices: args.device.flatMap((device) => device.split(","))},
            ...args.allow === undefined ? {} : {allow: args.allow},
            threads: args.threads ?? physicalCoreCount(),
            ...process.env.R1_DEBUG === "1" ? {onLog: (line: string) => process.stderr.write(`ggml-rpc-server: ${line}\n`)} : {}
        });
        process.stdout.write(`r1 worker: ggml-rpc-server${worker.version === undefined ? "" : ` (RPC v${worker.version})`} listening on ${worker.rpcEntry()}` +
            `${worker.relayed ? `, relayed by r1 for ${args.allow!.join(", ")}` : ""}\n`);
        for (const device of worker.devices)
            process.stdout.write(`  ${device.name}: ${device.description}, ${formatBytes(device.freeBytes)} free of ${formatBytes(device.totalBytes)}\n`);
        const reachable = args.host === "0.0.0.0" || args.host === "::" ? externalAddresses() : [args.host];
        process.stdout.write(`On the main host: --rpc ${reachable.map((address) => worker.rpcEntry(address)).join(" or --rpc ")}\n`);

        const outcome = await Promise.race([stopped, worker.exited.then((exit) => exit)]);
        if (typeof outcome === "string") {
            await worker.stop();
            process.stdout.write("r1 worker stopped\n");
            return;
        }
        const tail = worker.logTail().at(-1);
        throw new R1Error(`ggml-rpc-server stopped (${outcome.signal === null ? `exit code ${outcome.code}` : `killed by ${outcome.signal}`})${tail === undefined ? "" : `: ${tail}`}`,
            {hint: "start r1 worker again"});
    }
};
