import {R1_TOOL_CALL_BEGIN, R1_TOOL_CALL_END, R1_TOOL_CALLS_BEGIN, R1_TOOL_SEP, isR1Template} from "./formatR1Prompt.js";
import type {ToolCall} from "./types.js";

/**
 * A tool-call format a model was trained on, as its chat template writes it. The engine lets the
 * model open a calls block with `trigger` (or opens it when a call is required), then forces the
 * fixed text itself and lets a grammar shape only the name and the arguments.
 */
export interface NativeToolFormat {
    name: "r1" | "qwen";
    /** Opens the calls block; one token in the vocabulary of a model trained on the format. */
    trigger: string;
    /** Forced before each call's generated part (after the trigger for the first). */
    callOpen: string;
    /**
     * `true`: the name is generated on its own line, then `argsOpen`, then the arguments object
     * (R1). `false`: one JSON object `{"name", "arguments"}` (Qwen).
     */
    nameLine: boolean;
    /** Forced between the name line and the arguments (R1's json fence). */
    argsOpen: string;
    /** Forced after each call. */
    callClose: string;
    /** Forced, instead of the sampled token, when the model goes on to another call. */
    nextCall: string;
    /** Sampled token texts after a call that mean another call follows. */
    continueTokens: string[];
    /** The system-prompt text offering `tools` (name, description, parameters as given). */
    instructions(tools: readonly object[]): string;
    /** An assistant turn's earlier calls as the format writes them (for templates r1 renders itself). */
    formatCalls(calls: readonly ToolCall[]): string;
    /** A tool result as the format expects it in a user turn (for templates r1 renders itself). */
    formatResult(content: string): string;
}

const R1: NativeToolFormat = {
    name: "r1",
    trigger: R1_TOOL_CALLS_BEGIN,
    callOpen: `${R1_TOOL_CALL_BEGIN}function${R1_TOOL_SEP}`,
    nameLine: true,
    argsOpen: "```json\n",
    callClose: `\n\`\`\`${R1_TOOL_CALL_END}`,
    nextCall: `\n${R1_TOOL_CALL_BEGIN}function${R1_TOOL_SEP}`,
    continueTokens: [R1_TOOL_CALL_BEGIN, "\n"],
    // llama.cpp's R1 template (models/templates/llama-cpp-deepseek-r1.jinja) offers tools this way.
    instructions: (tools) => `You can call any of the following function tools to satisfy the user's requests: ${JSON.stringify(tools, null, 2)}\n\n`
        + `Example function tool call syntax:\n\n${R1_TOOL_CALLS_BEGIN}${R1_TOOL_CALL_BEGIN}function${R1_TOOL_SEP}example_function_name\n\`\`\`json\n{\n  "arg1": "some_value"\n  ...\n}\n\`\`\`\n${R1_TOOL_CALL_END}<｜tool▁calls▁end｜>`,
    formatCalls: () => "", // R1 templates are rendered by formatR1Prompt, which writes calls itself.
    formatResult: (content) => content
};

const QWEN: NativeToolFormat = {
    name: "qwen",
    trigger: "<tool_call>",
    callOpen: "\n",
    nameLine: false,
    argsOpen: "",
    callClose: "\n</tool_call>",
    nextCall: "\n<tool_call>\n",
    continueTokens: ["<tool_call>", "\n"],
    // Qwen3's chat template offers tools with these words.
    instructions: (tools) => "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        + `You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n${tools.map((tool) => JSON.stringify({type: "function", function: tool})).join("\n")}\n</tools>\n\n`
        + "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
        + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>",
    formatCalls: (calls) => calls.map((call) => `<tool_call>\n{"name": ${JSON.stringify(call.name)}, "arguments": ${call.arguments}}\n</tool_call>`).join("\n"),
    formatResult: (content) => `<tool_response>\n${content}\n</tool_response>`
};

/**
 * The tool format a model was trained on, or `undefined` when it has none (then the engine offers
 * tools through a grammar-shaped JSON envelope). A format counts only when its template writes it
 * and its vocabulary has the opening marker as one token: R1's distills have R1's template,
 * which mentions `<｜tool▁calls▁begin｜>`, but not the token — they were never trained on calls.
 *
 * @param isOneToken whether a text is a single token of the model's vocabulary.
 */
export function detectNativeToolFormat(template: string | undefined, isOneToken: (text: string) => boolean): NativeToolFormat | undefined {
    if (template === undefined) return undefined;
    if (isR1Template(template) && template.includes(R1_TOOL_CALLS_BEGIN) && isOneToken(R1_TOOL_CALLS_BEGIN) && isOneToken(R1_TOOL_CALL_BEGIN)) return R1;
    if (!isR1Template(template) && template.includes("<tool_call>") && isOneToken("<tool_call>")) return QWEN;
    return undefined;
}
