// Node streams handed to a web Response (downloads of exports).
import type { Readable } from 'node:stream';

/**
 * A Node stream as a web stream pulled chunk by chunk: the next chunk is read only once the
 * previous one was taken (Readable.toWeb pushed into a closed controller when a client cancelled
 * mid-download); cancelling destroys the Node stream, which stops the writer.
 */
export function toWebStream(node: Readable): ReadableStream<Uint8Array> {
  const chunks = node[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await chunks.next();
          if (done) controller.close();
          else controller.enqueue(typeof value === 'string' ? Buffer.from(value) : value);
        } catch (err) {
          controller.error(err);
        }
      },
      cancel() {
        node.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
