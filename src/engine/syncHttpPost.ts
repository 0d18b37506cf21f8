import {MessageChannel, receiveMessageOnPort, Worker, type MessagePort} from "node:worker_threads";
import {R1Error} from "../util/R1Error.js";

/**
 * The worker: waits for requests on its port, runs them with fetch, answers on the port and wakes
 * the caller through the shared flag. Inline source, so it runs the same from `src/` under tsx and
 * from `dist/`.
 */
const WORKER_SOURCE = `
const {workerData} = require("node:worker_threads");
const {port, flag} = workerData;
port.on("message", async ({url, headers, body, timeoutMs}) => {
    let answer;
    try {
        const response = await fetch(url, {method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs)});
        answer = {status: response.status, text: await response.text()};
    } catch (error) {
        answer = {error: String(error && error.message || error)};
    }
    port.postMessage(answer);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
});
`;

export interface SyncHttpAnswer {
    status: number;
    text: string;
}

/**
 * A blocking HTTP POST, for synchronous contracts over an HTTP engine (`LoadedModel.countTokens`).
 * One worker thread does the request while the calling thread waits on a shared flag: the event
 * loop stops for that long, so use it only for quick loopback requests. The worker is started on
 * first use and does not keep the process alive.
 */
export class SyncHttpPoster {
    private worker: Worker | undefined;
    private port: MessagePort | undefined;
    private flag: Int32Array | undefined;

    post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): SyncHttpAnswer {
        if (this.worker === undefined) {
            const channel = new MessageChannel();
            this.flag = new Int32Array(new SharedArrayBuffer(4));
            this.worker = new Worker(WORKER_SOURCE, {eval: true, workerData: {port: channel.port2, flag: this.flag}, transferList: [channel.port2]});
            this.worker.unref();
            this.port = channel.port1;
        }
        const flag = this.flag!;
        const port = this.port!;
        Atomics.store(flag, 0, 0);
        port.postMessage({url, headers, body, timeoutMs});
        // A little longer than the worker's own fetch timeout, so its answer normally says why.
        if (Atomics.wait(flag, 0, 0, timeoutMs + 1_000) === "timed-out") throw new R1Error(`no answer from ${new URL(url).origin} within ${timeoutMs / 1000} s`);
        const message = receiveMessageOnPort(port)?.message as SyncHttpAnswer | {error: string} | undefined;
        if (message === undefined) throw new R1Error(`no answer from ${new URL(url).origin}`);
        if ("error" in message) throw new R1Error(`request to ${new URL(url).origin} failed: ${message.error}`);
        return message;
    }

    /** Stops the worker. */
    async close(): Promise<void> {
        const worker = this.worker;
        this.worker = undefined;
        this.port?.close();
        this.port = undefined;
        await worker?.terminate();
    }
}
