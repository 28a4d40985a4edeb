/** Narrowing for request and response bodies whose shape is not trusted: `unknown` in, typed out. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field that is absent or JSON `null`: OpenAI sends `null` for "not set" on many fields. */
export function isUnset(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

export function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A non-negative finite count, or 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Parse a JSON object held in a string (tool arguments); undefined when it is not one. */
export function parseObject(text: string): JsonObject | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
