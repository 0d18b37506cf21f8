import {ExitCode, R1Error} from "../../util/R1Error.js";

/** 401/403 from the hub: a gated or private repository, or a token without access. */
export class HubAuthError extends R1Error {
    readonly repo: string;
    readonly status: number;
    readonly tokenSet: boolean;

    constructor(repo: string, status: number, tokenSet: boolean) {
        super(tokenSet
            ? `the hub refused access to ${repo} (HTTP ${status}) with your HF_TOKEN`
            : `${repo} is gated or private (HTTP ${status})`, {
            exitCode: ExitCode.network,
            hint: tokenSet
                ? `accept the model's license on its hub page with the account of your HF_TOKEN, or check the token`
                : `accept its license on the hub and set HF_TOKEN to an access token (huggingface.co/settings/tokens)`
        });
        this.repo = repo;
        this.status = status;
        this.tokenSet = tokenSet;
    }
}
