/**
 * Small readers of SDK answers: the bytes of a body (abandoned when the try's time is
 * up) and the HTTP status of an answer or an error.
 *
 * @module
 */
import { AnswerError } from './s3-errors.ts';

interface BodyShape {
  transformToByteArray?: () => Promise<Uint8Array>;
  destroy?: (error?: Error) => void;
}

/** The whole body; when `signal` fires the stream is destroyed, so no socket lingers. */
export async function readBody(body: unknown, signal: AbortSignal): Promise<Uint8Array> {
  const b = body as BodyShape | undefined;
  if (b?.transformToByteArray === undefined) throw new AnswerError('the answer has no body', true);
  const onAbort = () => b.destroy?.(new Error('aborted: no answer in time'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await b.transformToByteArray();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The HTTP status of an SDK output or error, if it has one. */
export function statusOf(x: unknown): number | undefined {
  const status = (x as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}
