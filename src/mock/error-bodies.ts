/**
 * Error bodies exactly as each provider shapes them, so a gateway's upstream-error mapping is tested
 * against the real thing: by status (`openaiErrorBody`, `anthropicErrorBody`), or as a named failure
 * (a directive's `error_code`) that each provider answers with its own status, type, code and param.
 */

const OPENAI_DEFAULT_MESSAGE: Record<number, string> = {
  400: 'Invalid request.',
  401: 'Incorrect API key provided.',
  403: 'You are not allowed to access this resource.',
  404: 'The requested resource does not exist.',
  429: 'Rate limit reached for requests. Please try again later.',
  500: 'The server had an error while processing your request. Sorry about that!',
  503: 'The engine is currently overloaded, please try again later.',
};

/** `{"error":{"message","type","param","code"}}` as the OpenAI API returns it. */
export function openaiErrorBody(status: number, message?: string, code: string | null = null): string {
  let type = 'invalid_request_error';
  let errorCode = code;
  if (status === 429) {
    type = 'requests';
    errorCode ??= 'rate_limit_exceeded';
  } else if (status >= 500) {
    type = 'server_error';
  }
  return JSON.stringify({
    error: {
      message: message ?? OPENAI_DEFAULT_MESSAGE[status] ?? `Mock error ${status}.`,
      type,
      param: null,
      code: errorCode,
    },
  });
}

const ANTHROPIC_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const ANTHROPIC_DEFAULT_MESSAGE: Record<string, string> = {
  invalid_request_error: 'Invalid request.',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your rate limit.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out.',
  overloaded_error: 'Overloaded',
};

/** `{"type":"error","error":{"type","message"},"request_id"}` as the Anthropic API returns it. */
export function anthropicErrorBody(status: number, requestId: string, message?: string): string {
  const type = ANTHROPIC_TYPE[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return JSON.stringify({
    type: 'error',
    error: { type, message: message ?? ANTHROPIC_DEFAULT_MESSAGE[type] ?? `Mock error ${status}.` },
    request_id: requestId,
  });
}

/** Failures a directive can name; each provider answers them as it really does. */
export const MOCK_ERROR_CODES = [
  'context_length_exceeded',
  'rate_limit_exceeded',
  'insufficient_quota',
  'model_not_found',
  'invalid_api_key',
  'unsupported_parameter',
  'overloaded',
] as const;

export type MockErrorCode = (typeof MOCK_ERROR_CODES)[number];

interface OpenAIFailure {
  status: number;
  type: string;
  code: string | null;
  param: string | null;
  message: string;
}

const OPENAI_FAILURES: Record<MockErrorCode, OpenAIFailure> = {
  context_length_exceeded: {
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param: 'messages',
    message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
  },
  rate_limit_exceeded: {
    status: 429,
    type: 'requests',
    code: 'rate_limit_exceeded',
    param: null,
    message: 'Rate limit reached for gpt-4o in organization org-mock on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.',
  },
  insufficient_quota: {
    status: 429,
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    param: null,
    message: 'You exceeded your current quota, please check your plan and billing details.',
  },
  model_not_found: {
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    param: null,
    message: 'The model `gpt-mock` does not exist or you do not have access to it.',
  },
  invalid_api_key: {
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    param: null,
    message: 'Incorrect API key provided: sk-mock***1234. You can find your API key at https://platform.openai.com/account/api-keys.',
  },
  unsupported_parameter: {
    status: 400,
    type: 'invalid_request_error',
    code: 'unsupported_parameter',
    param: 'temperature',
    message: "Unsupported parameter: 'temperature' is not supported with this model.",
  },
  overloaded: { status: 503, type: 'server_error', code: null, param: null, message: OPENAI_DEFAULT_MESSAGE[503]! },
};

/** Anthropic names no code or param: the type (which follows the status) and the message say it all. */
const ANTHROPIC_FAILURES: Record<MockErrorCode, { status: number; message: string }> = {
  context_length_exceeded: { status: 400, message: 'prompt is too long: 210000 tokens > 200000 maximum' },
  rate_limit_exceeded: { status: 429, message: 'This request would exceed the rate limit for your organization of 50 requests per minute.' },
  // Anthropic answers an empty credit balance with a 400, not a 429 or a 402.
  insufficient_quota: { status: 400, message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.' },
  model_not_found: { status: 404, message: 'model: claude-mock' },
  invalid_api_key: { status: 401, message: 'invalid x-api-key' },
  unsupported_parameter: { status: 400, message: 'temperature: Input should be less than or equal to 1' },
  overloaded: { status: 529, message: 'Overloaded' },
};

/** Headers a named failure's answer carries: a rate limit says when to come back, as both providers do. */
export function failureHeaders(code: MockErrorCode): Record<string, string> {
  return code === 'rate_limit_exceeded' ? { 'retry-after': '7' } : {};
}

/** The status each provider answers a named failure with. */
export function failureStatus(family: 'openai' | 'anthropic', code: MockErrorCode): number {
  return (family === 'openai' ? OPENAI_FAILURES : ANTHROPIC_FAILURES)[code].status;
}

/** A named failure's OpenAI body (its status is the caller's: a directive's `status` may override it). */
export function openaiFailureBody(code: MockErrorCode): string {
  const { type, code: errorCode, param, message } = OPENAI_FAILURES[code];
  return JSON.stringify({ error: { message, type, param, code: errorCode } });
}

/** A named failure's Anthropic body, typed by the status it is sent with. */
export function anthropicFailureBody(code: MockErrorCode, status: number, requestId: string): string {
  return anthropicErrorBody(status, requestId, ANTHROPIC_FAILURES[code].message);
}
