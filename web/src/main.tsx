import {render} from "preact";
import "katex/dist/katex.min.css";
import "./styles.css";
import {App} from "./App.js";

// "Copy" on highlighted code blocks: one listener for all answers (their HTML is rendered from Markdown).
document.addEventListener("click", (event) => {
    const button = (event.target as Element | null)?.closest?.("button.copy-code");
    const code = button?.closest(".code-block")?.querySelector("code");
    if (button instanceof HTMLButtonElement && code) {
        void navigator.clipboard?.writeText(code.textContent ?? "").then(() => {
            button.textContent = "Copied";
            setTimeout(() => (button.textContent = "Copy"), 1500);
        });
    }
});

render(<App />, document.getElementById("app")!);
