/**
 * What an error of the AWS SDK (or of the network under it) means for Strata: its HTTP
 * status, whether another try may help, a short description, and what to do.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http';

/** A failure, as {@link describeFailure} reads it. */
export interface FailureInfo {
  /** HTTP status of the answer; undefined when there was none (network, timeout). */
  readonly status: number | undefined;
  /** Whether another try may succeed (5xx, 408, 429, throttling, network, timeout). */
  readonly retryable: boolean;
  /** Short description: `503 Service Unavailable`, `connection refused (ECONNREFUSED)`. */
  readonly detail: string;
  /** What the operator can do, for the end of the message. */
  readonly hint: string;
}

/** A failure found by Strata itself in an answer (a short body, an ignored Range). */
export class AnswerError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** What to do, when it is not "retry later". */
    readonly hint = 'check that the endpoint is S3-compatible',
  ) {
    super(message);
    this.name = 'AnswerError';
  }
}

/** Error codes of S3 that mean "slow down" or "try again" whatever their status. */
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'BandwidthLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  // the body was damaged or cut on the way: sending it again helps
  'BadDigest',
  'IncompleteBody',
  'XAmzContentSHA256Mismatch',
]);

/** Codes of Node's network errors, and what they mean. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  EHOSTDOWN: 'host down',
  EAI_AGAIN: 'name lookup failed for now',
};

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: unknown;
  readonly cause?: unknown;
}

const RETRY_HINT = 'check the endpoint or retry later';

/** Reads an error thrown by an S3Client call (or by Strata's checks of its answer). */
export function describeFailure(error: unknown): FailureInfo {
  if (error instanceof AnswerError) {
    return { status: undefined, retryable: error.retryable, detail: error.message, hint: error.retryable ? RETRY_HINT : error.hint };
  }
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = networkCode(e);

  // no answer: the network or a time limit failed
  if (code === 'ENOTFOUND') return { status, retryable: false, detail: `host not found (${message})`, hint: 'check the url' };
  if (code !== undefined) {
    return { status, retryable: true, detail: `${NETWORK_CODES[code]} (${code}${message ? `: ${message}` : ''})`, hint: RETRY_HINT };
  }
  if (status === undefined && (name === 'TimeoutError' || name === 'AbortError')) {
    return { status, retryable: true, detail: `timed out (${message || name})`, hint: RETRY_HINT };
  }
  if (status === undefined) {
    const retryable = e.$retryable !== undefined || RETRYABLE_NAMES.has(name);
    return { status, retryable, detail: [name, message].filter(Boolean).join(': ') || 'unknown failure', hint: retryable ? RETRY_HINT : 'check the cloud settings' };
  }

  const text = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
  const detail = informative(name, message, text) ? `${text} (${[name, message].filter((s) => s && s !== 'UnknownError').join(': ')})` : text;
  const retryable = status >= 500 || status === 408 || status === 429 || RETRYABLE_NAMES.has(name);
  return { status, retryable, detail, hint: retryable ? RETRY_HINT : hintFor(status, name) };
}

/** Whether the SDK's name and message add anything to the status line. */
function informative(name: string, message: string, text: string): boolean {
  const generic = ['', 'Unknown', 'UnknownError', 'NotFound', 'Forbidden', 'BadRequest', 'S3ServiceException'];
  if (!generic.includes(name)) return true;
  return message !== '' && message !== 'UnknownError' && !text.includes(message);
}

function hintFor(status: number, name: string): string {
  if (status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') return 'check the access key, the secret key and the bucket permissions';
  if (name === 'NoSuchBucket') return 'check the bucket name';
  if (status === 404) return 'the object is missing';
  if (status === 416) return 'the object is shorter than the range';
  if (status === 301 || status === 307 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') return 'check the region and path_style';
  return 'check the cloud settings (url, region, path_style)';
}

/** The Node error code of `e` or of the errors it wraps. */
function networkCode(e: SdkErrorShape): string | undefined {
  for (let cur: SdkErrorShape | undefined = e, depth = 0; cur && depth < 4; depth++) {
    if (typeof cur.code === 'string' && (cur.code in NETWORK_CODES || cur.code === 'ENOTFOUND')) return cur.code;
    cur = typeof cur.cause === 'object' && cur.cause !== null ? (cur.cause as SdkErrorShape) : undefined;
  }
  return undefined;
}
