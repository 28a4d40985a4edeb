/**
 * Add a top-level field to a JSON object body without re-serialising it: the client's bytes are
 * kept and `"name":value,` is spliced in after the opening brace. Only valid when the field is
 * absent (a duplicate key would be ambiguous), which the caller checks on the parsed body.
 */
export function spliceField(raw: Buffer, name: string, value: unknown): Buffer | null {
  let i = 0;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i++;
  if (raw[i] !== 0x7b /* { */) return null;
  let j = i + 1;
  while (j < raw.length && (raw[j] === 0x20 || raw[j] === 0x0a || raw[j] === 0x0d || raw[j] === 0x09)) j++;
  const empty = raw[j] === 0x7d; /* {} */
  const field = `{${JSON.stringify(name)}:${JSON.stringify(value)}${empty ? '' : ','}`;
  // One buffer, written in place: no intermediate buffer for the field nor view of the rest.
  const fieldBytes = Buffer.byteLength(field);
  const out = Buffer.allocUnsafe(fieldBytes + raw.length - i - 1);
  out.write(field, 0);
  raw.copy(out, fieldBytes, i + 1);
  return out;
}
