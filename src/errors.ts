/**
 * Every failure Tollgate reports to a caller is a GatewayError with a stable machine code.
 * The code -> HTTP status table below is the only place statuses are chosen; server/respond-error.ts
 * is the only place an error becomes a response body (in the caller's API shape).
 */

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  unsupported_format: 400,
  /** An endpoint the served model's provider does not speak and Tollgate does not translate (the Responses API to Anthropic). */
  unsupported_endpoint: 400,
  unauthenticated: 401,
  key_revoked: 401,
  forbidden: 403,
  /** A dashboard-session change without its CSRF token (a forged cross-site request looks like this). */
  csrf_token_invalid: 403,
  model_not_allowed: 403,
  not_found: 404,
  /** An admin named a run id that is live under several teams without saying which (runs are per team). */
  run_ambiguous: 409,
  unknown_model: 404,
  method_not_allowed: 405,
  /** The request (headers and body) did not arrive within server.request_timeout_ms. */
  request_timeout: 408,
  /** 402: the SDKs do not retry it, so an agent stops instead of hammering a spent budget. */
  budget_exceeded: 402,
  body_too_large: 413,
  /** A compressed request body: Tollgate reads bodies as sent and does not inflate them. */
  unsupported_encoding: 415,
  rate_limited: 429,
  /** A run with too many calls in flight: retrying later is right, so 429. */
  run_concurrency_exceeded: 429,
  /**
   * Terminated: 403, which neither the official SDKs nor LangChain's retry loop retries (LangChain
   * retries 410), so a looping agent stops at once. Paused: 423, which the SDKs do not retry and
   * LangChain retries with backoff for about a minute, long enough for a quick resume.
   */
  run_paused: 423,
  run_terminated: 403,
  unpriced_model: 422,
  upstream_error: 502,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  internal_error: 500,
  shutting_down: 503,
  limits_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** OpenAI `error.type` values the SDKs know, and Anthropic `error.type` values, per code. */
const OPENAI_TYPE: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'authentication_error',
  key_revoked: 'authentication_error',
  forbidden: 'permission_error',
  csrf_token_invalid: 'permission_error',
  model_not_allowed: 'permission_error',
  run_terminated: 'permission_error',
  not_found: 'not_found_error',
  unknown_model: 'not_found_error',
  upstream_error: 'api_error',
  upstream_unavailable: 'api_error',
  upstream_timeout: 'api_error',
  internal_error: 'api_error',
  shutting_down: 'api_error',
  limits_unavailable: 'api_error',
  budget_exceeded: 'insufficient_quota',
  rate_limited: 'rate_limit_error',
  run_concurrency_exceeded: 'rate_limit_error',
};

const ANTHROPIC_TYPE: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'authentication_error',
  key_revoked: 'authentication_error',
  forbidden: 'permission_error',
  csrf_token_invalid: 'permission_error',
  model_not_allowed: 'permission_error',
  run_terminated: 'permission_error',
  not_found: 'not_found_error',
  unknown_model: 'not_found_error',
  body_too_large: 'request_too_large',
  upstream_error: 'api_error',
  upstream_unavailable: 'api_error',
  upstream_timeout: 'timeout_error',
  internal_error: 'api_error',
  shutting_down: 'overloaded_error',
  limits_unavailable: 'api_error',
  budget_exceeded: 'billing_error',
  rate_limited: 'rate_limit_error',
};

/**
 * A provider's own error, as its answer named it: the provider's wire shape, and the `type`, `code`
 * and `param` its body gave (Anthropic gives a type, sometimes a code in `details.error_code`, no param). Kept on the GatewayError of a provider 4xx
 * that is the client's to act on, so the client gets them in its own API shape (translate/error-shapes.ts).
 */
export interface ProviderErrorFields {
  shape: 'openai' | 'anthropic';
  status: number;
  type: string | null;
  code: string | null;
  param: string | null;
  /** The provider's message, redacted; the error's own message adds which provider said it. */
  message: string;
}

export interface GatewayErrorOptions {
  /** Overrides the table, e.g. to pass an upstream 429 through with its own status. */
  status?: number;
  retryable?: boolean;
  cause?: unknown;
  /** Extra machine-readable fields shown to the caller (never secrets). */
  details?: Record<string, unknown>;
  /** The provider's own error, shown to the caller instead of this error's type and code. */
  provider?: ProviderErrorFields;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly provider: ProviderErrorFields | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.retryable = options.retryable ?? isRetryableStatus(this.status);
    this.details = options.details;
    this.provider = options.provider;
  }

  openaiType(): string {
    return OPENAI_TYPE[this.code] ?? 'invalid_request_error';
  }

  anthropicType(): string {
    if (this.status === 429) return 'rate_limit_error';
    return ANTHROPIC_TYPE[this.code] ?? 'invalid_request_error';
  }
}

/** The statuses the official SDKs retry: 408, 409, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  // JSON.parse takes any depth, but walking or re-serialising the value (run guard digests, cache
  // keys, translation) recurses: a body nested thousands of levels deep is the caller's to fix.
  if (err instanceof RangeError && err.message.includes('call stack')) {
    return new GatewayError('invalid_request', 'The request is nested too deeply to process; flatten its JSON.', { cause: err });
  }
  return new GatewayError('internal_error', 'Internal error in Tollgate', { cause: err });
}

/** A percent-encoded path segment (a budget or run id in an admin URL); a malformed one is the caller's error. */
export function decodePathSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GatewayError('invalid_request', `The ${what} in the path is not valid percent-encoding.`);
  }
}
