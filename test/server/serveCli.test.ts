import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {DEFAULT_CONTEXT_SIZE} from "../../src/engine/embedded/loadModel.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const bin = path.join(repoRoot, "bin/r1.js");

function env(home: string): NodeJS.ProcessEnv {
    const result: NodeJS.ProcessEnv = {...process.env, R1_HOME: home};
    delete result.R1_API_KEY;
    // Set by node's test runner; a child node that inherits it reports to the runner instead of running normally.
    delete result.NODE_TEST_CONTEXT;
    return result;
}

test("r1 serve --host 0.0.0.0 without --api-key refuses in one line", () => {
    const home = mkdtempSync(path.join(os.tmpdir(), ".r1-serve-cli-"));
    try {
        const result = spawnSync(process.execPath, [bin, "serve", "--host", "0.0.0.0", "--port", "0"], {encoding: "utf8", env: env(home), timeout: 30_000});
        assert.equal(result.status, 2);
        assert.equal(result.stderr.trim().split("\n").length, 1);
        assert.match(result.stderr, /--api-key/);
    } finally {
        rmSync(home, {recursive: true, force: true});
    }
});

test("r1 serve --model FILE answers both APIs over loopback and stops on SIGINT", {skip: skipWithoutShared("models/stories260K.gguf"), timeout: 90_000}, async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), ".r1-serve-cli-"));
    const child = spawn(process.execPath, [bin, "serve", "--model", sharedPath("models/stories260K.gguf"), "--port", "0"], {env: env(home)});
    try {
        let stderr = "";
        const url = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no URL within 30 s: ${stderr}`)), 30_000);
            child.stderr.on("data", (data: Buffer) => {
                stderr += data.toString();
                const match = /listening on \S*?(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr.replace(/\u001b\[[0-9;]*m/g, ""));
                if (match !== null) {
                    clearTimeout(timer);
                    resolve(match[1]!);
                }
            });
            child.once("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
        });
        const models = await (await fetch(`${url}/v1/models`)).json() as {data: {id: string}[]};
        assert.deepEqual(models.data.map((m) => m.id), ["stories260K"]);
        const tags = await (await fetch(`${url}/api/tags`)).json() as {models: {name: string}[]};
        assert.deepEqual(tags.models.map((m) => m.name), ["stories260K"]);
        assert.equal((await fetch(`${url}/health`)).status, 200);
        // Loaded without -c or num_ctx, a small model gets a small context (a request without
        // max_tokens runs until the context is full), never its whole trained one beyond the default.
        const load = await fetch(`${url}/api/generate`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model: "stories260K"})});
        assert.equal((await load.json() as {done_reason: string}).done_reason, "load");
        const ps = await (await fetch(`${url}/api/ps`)).json() as {models: {context_length: number}[]};
        assert.ok(ps.models[0]!.context_length > 0 && ps.models[0]!.context_length <= DEFAULT_CONTEXT_SIZE, `context ${ps.models[0]!.context_length}`);
        const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        assert.equal(await exited, 0);
    } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        rmSync(home, {recursive: true, force: true});
    }
});

test("the r1 serve process: the openai client gets a valid tool call, the ollama client schema-valid JSON (stories260K)", {skip: skipWithoutShared("models/stories260K.gguf"), timeout: 120_000}, async () => {
    const {default: OpenAI} = await import("openai");
    const {Ollama} = await import("ollama");
    const home = mkdtempSync(path.join(os.tmpdir(), ".r1-serve-cli-"));
    const child = spawn(process.execPath, [bin, "serve", "--model", sharedPath("models/stories260K.gguf"), "--port", "0", "--threads", "1"], {env: env(home)});
    try {
        let stderr = "";
        const url = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no URL within 30 s: ${stderr}`)), 30_000);
            child.stderr.on("data", (data: Buffer) => {
                stderr += data.toString();
                const match = /listening on \S*?(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr.replace(/\u001b\[[0-9;]*m/g, ""));
                if (match !== null) {
                    clearTimeout(timer);
                    resolve(match[1]!);
                }
            });
            child.once("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
        });
        const openai = new OpenAI({baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0});
        const parameters = {type: "object", properties: {city: {type: "string", maxLength: 10}}, required: ["city"], additionalProperties: false};
        const chat = await openai.chat.completions.create({
            model: "stories260K", messages: [{role: "user", content: "Weather?"}], max_tokens: 300, seed: 1,
            tools: [{type: "function", function: {name: "get_weather", parameters}}], tool_choice: "required", parallel_tool_calls: false
        });
        const call = chat.choices[0]!.message.tool_calls![0]!;
        assert.ok(call.type === "function" && call.function.name === "get_weather");
        const args = JSON.parse(call.type === "function" ? call.function.arguments : "") as {city: unknown};
        assert.deepEqual(Object.keys(args), ["city"]);
        assert.ok(typeof args.city === "string" && [...args.city].length <= 10);
        const ollama = new Ollama({host: url});
        const answer = await ollama.chat({model: "stories260K", messages: [{role: "user", content: "Age?"}], format: {type: "object", properties: {age: {type: "integer"}}, required: ["age"]}, options: {num_predict: 100, seed: 2}});
        assert.ok(Number.isInteger((JSON.parse(answer.message.content) as {age: unknown}).age));
        const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        assert.equal(await exited, 0);
    } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        rmSync(home, {recursive: true, force: true});
    }
});
