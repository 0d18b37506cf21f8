const encoder = new TextEncoder();

/**
 * A response body pulled from `chunks`: nothing is generated ahead of the client, and when the
 * client goes away the iterator is returned and `onCancel` runs (stopping the generation).
 */
export function streamBody(chunks: AsyncIterable<string>, onCancel: () => void): ReadableStream<Uint8Array> {
    const iterator = chunks[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>({
        async pull(controller) {
            try {
                const {done, value} = await iterator.next();
                if (done === true) controller.close();
                else controller.enqueue(encoder.encode(value));
            } catch (error) {
                onCancel();
                controller.error(error);
            }
        },
        async cancel() {
            onCancel();
            await iterator.return?.(undefined);
        }
    }, {highWaterMark: 0});
}
