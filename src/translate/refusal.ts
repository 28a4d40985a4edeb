/**
 * What cannot be translated is refused, never dropped: a request field with no faithful equivalent in
 * the other API becomes a 400 `unsupported_format` that names the field (also as `param`, which the
 * OpenAI error shape reports).
 */
import { GatewayError } from '../errors.js';
import { isUnset, type JsonObject } from './json-value.js';

export function unsupported(field: string, why: string): GatewayError {
  return new GatewayError('unsupported_format', `Cannot translate "${field}": ${why}`, { details: { param: field } });
}

/** How a converter treats each top-level field of a request body. */
export interface FieldPolicy {
  /** The API the request is translated to, for messages ("the Anthropic Messages API"). */
  target: string;
  /** Fields the converter maps itself. */
  mapped: ReadonlySet<string>;
  /** Fields dropped on purpose because they cannot change the answer (see README). */
  dropped: ReadonlySet<string>;
  /** Fields accepted only at a value that has no effect; `why` says what the other API lacks. */
  neutral: Readonly<Record<string, { ok: (value: unknown) => boolean; why: string }>>;
}

/** Throws for the first field that is neither mapped, dropped on purpose nor at a neutral value. */
export function checkFields(body: JsonObject, policy: FieldPolicy): void {
  for (const [field, value] of Object.entries(body)) {
    if (policy.mapped.has(field) || policy.dropped.has(field)) continue;
    const rule = policy.neutral[field];
    if (rule !== undefined) {
      if (!isUnset(value) && !rule.ok(value)) throw unsupported(field, rule.why);
      continue;
    }
    if (!isUnset(value)) throw unsupported(field, `it has no equivalent in ${policy.target}`);
  }
}
