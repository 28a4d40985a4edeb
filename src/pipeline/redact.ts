/**
 * Provider keys out of what a provider sent back (part of stage 5, call): its error messages, the
 * request ids it names, the error events of its streams. Tollgate passes a provider's errors on to
 * the client, never the key it called the provider with.
 */

/** The provider's key taken out of a text it sent (as is, URL-encoded or base64), and partial keys; at most 1,000 characters kept. */
export function redact(text: string, apiKey: string): string {
  const out = withoutKeys(text, apiKey);
  return out.length > 1000 ? out.slice(0, 1000) : out;
}

/**
 * The bytes of a stream that carried the provider's error event, with the key taken out as by
 * redact (not shortened): a provider's error passes on to the client, its key must not.
 */
export function redactStreamed(bytes: Buffer, apiKey: string): Buffer {
  const text = bytes.toString('utf8');
  const out = withoutKeys(text, apiKey);
  return out === text ? bytes : Buffer.from(out);
}

function withoutKeys(text: string, apiKey: string): string {
  let out = text;
  if (apiKey) {
    for (const form of keyForms(apiKey)) if (form.length >= MIN_REDACTED && out.includes(form)) out = out.split(form).join('[redacted]');
  }
  // Providers echo partial keys ("Incorrect API key provided: sk-abc***xyz").
  if (PARTIAL_KEY.test(out)) out = out.replace(PARTIAL_KEY_ALL, '[redacted]');
  return out;
}

/**
 * Key forms shorter than this are not searched for: no real provider key is, and a placeholder key
 * ("x" in front of a local model) would otherwise cut every "x" out of the provider's messages.
 */
const MIN_REDACTED = 8;
const PARTIAL_KEY = /\b(sk|sk-ant|tg)[-_][A-Za-z0-9_*-]{6,}/;
const PARTIAL_KEY_ALL = new RegExp(PARTIAL_KEY.source, 'g');

/** A key as it may appear in a provider's answer: plain, URL-encoded and base64 (made once per key). */
let lastKey = '';
let lastForms: readonly string[] = [];
function keyForms(apiKey: string): readonly string[] {
  if (apiKey !== lastKey) {
    lastForms = [apiKey, encodeURIComponent(apiKey), Buffer.from(apiKey).toString('base64')];
    lastKey = apiKey;
  }
  return lastForms;
}
