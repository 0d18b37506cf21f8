import {EndpointError} from "./errors/EndpointError.js";

/** Most model ids read from `/models`. */
const MAX_MODEL_IDS = 1000;

/** Ids the endpoint's `GET /models` lists, so `--model` can be left out when it serves one. */
export async function fetchModelIds(endpoint: string, options: {apiKey?: string, fetch?: typeof fetch, signal?: AbortSignal} = {}): Promise<string[]> {
    const url = `${endpoint.replace(/\/+$/, "")}/models`;
    let response: Response;
    try {
        response = await (options.fetch ?? fetch)(url, {
            headers: options.apiKey === undefined || options.apiKey === "" ? {} : {authorization: `Bearer ${options.apiKey}`},
            ...(options.signal === undefined ? {} : {signal: options.signal})
        });
    } catch (error) {
        const cause = (error as {cause?: {code?: string}}).cause;
        throw new EndpointError(url, `cannot connect (${cause?.code ?? (error as Error).message})`, undefined, {cause: error});
    }
    if (!response.ok) throw new EndpointError(url, `HTTP ${response.status}`, response.status);
    let json: {data?: {id?: unknown}[]};
    try {
        json = await response.json() as typeof json;
    } catch {
        throw new EndpointError(url, "reply is not JSON");
    }
    const data = Array.isArray(json?.data) ? json.data.slice(0, MAX_MODEL_IDS) : [];
    return data.flatMap((m) => (typeof m?.id === "string" ? [m.id] : []));
}
