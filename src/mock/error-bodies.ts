/**
 * Error bodies exactly as each provider shapes them, so a gateway's upstream-error mapping is tested
 * against the real thing. The mock only ever produces these through the two functions below.
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
