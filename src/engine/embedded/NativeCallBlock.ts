import {LlamaGrammarEvaluationState, type LlamaGrammar, type LlamaModel} from "node-llama-cpp";
import {isCompleteJson} from "../jsonSchema/isCompleteJson.js";
import {validateJson} from "../jsonSchema/validateJson.js";
import {MAX_PARALLEL_TOOL_CALLS, newToolCallId, ToolOutputError, type OutputPlan} from "../planOutput.js";
import type {JsonSchema, ToolCall} from "../types.js";

type Native = NonNullable<OutputPlan["native"]>;

/** What the generation loop does after a token inside a calls block. */
export interface BlockStep {
    /** Text to evaluate next (tokenized with special tokens). */
    force?: string;
    /** `true`: `force` replaces the sampled token; otherwise the token is evaluated first. */
    replace?: boolean;
    /** A call that just completed (its arguments valid). */
    call?: ToolCall;
    /** The block is over: stop generating. */
    end?: boolean;
}

/**
 * A calls block in a model's own tool format (R1's `<｜tool▁calls▁begin｜>…`, Qwen's
 * `<tool_call>…`): the fixed text is forced, the name and the arguments are generated under
 * grammars that admit only offered tools and schema-valid arguments, and after each call one
 * free token decides whether another follows (when parallel calls are allowed).
 */
export class NativeCallBlock {
    /** The grammar for the token being sampled now; `undefined` while peeking past a call. */
    state: LlamaGrammarEvaluationState | undefined;
    readonly calls: ToolCall[] = [];
    private segment: {kind: "name" | "args" | "call", text: string, tool?: string} | undefined;
    private readonly argsGrammars = new Map<string, LlamaGrammar>();

    private constructor(private readonly model: LlamaModel, private readonly native: Native, private readonly tools: Map<string, JsonSchema>,
        private readonly firstGrammar: LlamaGrammar) {}

    static async create(model: LlamaModel, native: Native, tools: Map<string, JsonSchema>): Promise<NativeCallBlock> {
        const first = native.format.nameLine
            ? await model.llama.createGrammar({grammar: `root ::= (${native.names.map((name) => JSON.stringify(name)).join(" | ")}) "\\n"`})
            : await model.llama.createGrammarForJsonSchema({oneOf: native.names.map((name) => ({
                type: "object",
                properties: {name: {const: name}, arguments: tools.get(name)!},
                required: ["name", "arguments"],
                additionalProperties: false
            }))} as never); // schemas checked by checkJsonSchema; the generic GbnfJsonSchema type cannot follow them
        return new NativeCallBlock(model, native, tools, first);
    }

    get peeking(): boolean {
        return this.segment === undefined;
    }

    /** Opens the block: the text to force (the trigger too, unless the model sampled it). */
    open(triggered: boolean): string {
        this.startFirst();
        return (triggered ? "" : this.native.format.trigger) + this.native.format.callOpen;
    }

    /**
     * Takes the next sampled token: `text` as decoded, `specialText` with special tokens shown
     * (to recognise a marker token while peeking).
     */
    async push(text: string, specialText: string): Promise<BlockStep> {
        const format = this.native.format;
        const segment = this.segment;
        if (segment === undefined) {
            const more = this.calls.length < MAX_PARALLEL_TOOL_CALLS && format.continueTokens.some((t) => specialText === t || (t === "\n" && specialText.startsWith("\n")));
            if (!more) return {end: true};
            this.startFirst();
            return {force: format.nextCall, replace: true};
        }
        segment.text += text;
        if (segment.kind === "name") {
            if (!segment.text.endsWith("\n")) return {};
            const tool = segment.text.trim();
            this.segment = {kind: "args", text: "", tool};
            this.state = new LlamaGrammarEvaluationState({model: this.model, grammar: await this.argsGrammar(tool)});
            return {force: format.argsOpen};
        }
        if (!isCompleteJson(segment.text)) return {};
        const value = JSON.parse(segment.text) as unknown;
        const {name, args} = segment.kind === "args"
            ? {name: segment.tool!, args: value}
            : {name: (value as {name: string}).name, args: (value as {arguments: unknown}).arguments};
        const schema = this.tools.get(name);
        const problem = schema === undefined ? `tool "${name}" was not offered` : validateJson(args, schema);
        if (problem !== undefined) throw new ToolOutputError(`a native tool call does not match its schema: ${problem}`);
        const call = {id: newToolCallId(), name, arguments: JSON.stringify(args)};
        this.calls.push(call);
        this.segment = undefined;
        this.state = undefined;
        if (!this.native.parallel) return {call, end: true};
        return {call, force: format.callClose};
    }

    private startFirst(): void {
        this.segment = {kind: this.native.format.nameLine ? "name" : "call", text: ""};
        this.state = new LlamaGrammarEvaluationState({model: this.model, grammar: this.firstGrammar});
    }

    private async argsGrammar(tool: string): Promise<LlamaGrammar> {
        let grammar = this.argsGrammars.get(tool);
        if (grammar === undefined) {
            grammar = await this.model.llama.createGrammarForJsonSchema(this.tools.get(tool)! as never);
            this.argsGrammars.set(tool, grammar);
        }
        return grammar;
    }
}
