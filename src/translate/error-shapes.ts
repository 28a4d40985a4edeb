/**
 * A provider's error in the client's API shape. A client in the provider's own shape gets the
 * provider's `type`, `code` and `param` as they were; a client whose call Tollgate translated gets
 * them mapped to its shape, so code written against either API (`e.code === 'context_length_exceeded'`,
 * `e.type === 'rate_limit_error'`) works whichever provider served the call.
 *
 * Anthropic errors carry a `type`, which follows the HTTP status one for one, and sometimes a code
 * naming the cause (`details.error_code`); OpenAI errors carry a `type` and a `code`, the `code` being
 * what clients branch on. So:
 * - OpenAI -> Anthropic: the type from the `code` when it names something Anthropic has a type for,
 *   else from the status (as Anthropic itself chooses). `insufficient_quota` (which OpenAI answers with
 *   429) becomes `billing_error`, not `rate_limit_error`: waiting does not help, topping up does.
 *   The OpenAI code goes to `details.error_code`, which the Anthropic SDK reads as `e.errorCode`
 *   (and tells clients to treat an unknown one as the bare type).
 * - Anthropic -> OpenAI: the type to the OpenAI `type`/`code` pair of the same meaning:
 *   `invalid_request_error` -> `invalid_request_error`, `rate_limit_error` -> `requests`/`rate_limit_exceeded`,
 *   `billing_error` -> `insufficient_quota`, `authentication_error` -> `invalid_api_key`; the auth,
 *   permission and not-found types keep their names (as Tollgate's own OpenAI-shaped errors use them),
 *   `request_too_large` is an `invalid_request_error` (its 413 says the rest), `overloaded_error` a
 *   `server_error`. With no OpenAI code of that meaning, the code is Anthropic's `error_code`, or null.
 *   Anthropic reports a prompt over the context window as a plain `invalid_request_error` whose message
 *   says "prompt is too long": that becomes OpenAI's `context_length_exceeded`.
 * - A translated call's `param` is dropped: it names a field of the request Tollgate sent, which the
 *   client did not write (an OpenAI `messages` path is not an Anthropic one).
 */
import type { ProviderErrorFields } from '../errors.js';

export interface ClientErrorFields {
  type: string;
  code: string | null;
  param: string | null;
}

/** OpenAI `code` (or, failing that, `type`) -> Anthropic `type`. */
const ANTHROPIC_TYPE_OF_OPENAI: Record<string, string> = {
  context_length_exceeded: 'invalid_request_error',
  string_above_max_length: 'invalid_request_error',
  rate_limit_exceeded: 'rate_limit_error',
  insufficient_quota: 'billing_error',
  billing_hard_limit_reached: 'billing_error',
  invalid_api_key: 'authentication_error',
  model_not_found: 'not_found_error',
  requests: 'rate_limit_error',
  tokens: 'rate_limit_error',
};

/** Anthropic `type` by HTTP status, as the Anthropic API chooses it. */
const ANTHROPIC_TYPE_OF_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/**
 * Anthropic `type` -> OpenAI `type` and `code`. The types OpenAI's SDK names its error classes after
 * (as Tollgate's own OpenAI-shaped errors use them); OpenAI's own names for rate limits and quota.
 */
const OPENAI_OF_ANTHROPIC: Record<string, { type: string; code: string | null }> = {
  invalid_request_error: { type: 'invalid_request_error', code: null },
  authentication_error: { type: 'authentication_error', code: 'invalid_api_key' },
  permission_error: { type: 'permission_error', code: null },
  not_found_error: { type: 'not_found_error', code: null },
  request_too_large: { type: 'invalid_request_error', code: null },
  rate_limit_error: { type: 'requests', code: 'rate_limit_exceeded' },
  billing_error: { type: 'insufficient_quota', code: 'insufficient_quota' },
  api_error: { type: 'server_error', code: null },
  overloaded_error: { type: 'server_error', code: null },
  timeout_error: { type: 'server_error', code: null },
};

const PROMPT_TOO_LONG = /prompt is too long/i;

/** `code`: OpenAI's `code`, or for an Anthropic client the `details.error_code` to send. */
export function clientErrorFields(p: ProviderErrorFields, client: 'openai' | 'anthropic'): ClientErrorFields {
  if (client === 'anthropic') {
    if (p.shape === 'anthropic') return { type: p.type ?? anthropicTypeOfStatus(p.status), code: p.code, param: null };
    const type = ANTHROPIC_TYPE_OF_OPENAI[p.code ?? ''] ?? ANTHROPIC_TYPE_OF_OPENAI[p.type ?? ''] ?? anthropicTypeOfStatus(p.status);
    return { type, code: p.code, param: null };
  }
  if (p.shape === 'openai') return { type: p.type ?? openaiOf(anthropicTypeOfStatus(p.status)).type, code: p.code, param: p.param };
  const anthropicType = p.type ?? anthropicTypeOfStatus(p.status);
  const mapped = openaiOf(anthropicType);
  if (anthropicType === 'invalid_request_error' && PROMPT_TOO_LONG.test(p.message)) return { type: mapped.type, code: 'context_length_exceeded', param: null };
  return { type: mapped.type, code: mapped.code ?? p.code, param: null };
}

function anthropicTypeOfStatus(status: number): string {
  return ANTHROPIC_TYPE_OF_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function openaiOf(anthropicType: string): { type: string; code: string | null } {
  return OPENAI_OF_ANTHROPIC[anthropicType] ?? { type: 'invalid_request_error', code: null };
}
