#!/usr/bin/env node
// llama_decode runs on libuv's thread pool; with the default 4 pool threads it lands on whichever
// one picks it up and competes with llama.cpp's own workers. One pool thread keeps decode at
// llama.cpp's own speed (measured in bench/RESULTS.md). Must be set before anything touches the pool.
if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = "1";
await import("../dist/cli/main.js");
