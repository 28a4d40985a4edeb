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

function isBlank(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09;
}

/**
 * `buf` (one SSE event, its JSON on a single data line) without its `"key":null` member, or null
 * when it has none. Read from the end (where OpenAI writes `"usage":null`), without parsing: a match
 * must be a member (a `{` or `,` before the key, a `}` or `,` after the value, blanks allowed around
 * every token, as json.dumps writes `, "usage": null`), so the same bytes inside a string (escaped
 * quotes) are never taken for it. `key` is the quoted key, `"usage"`. Two copies into one buffer.
 */
export function dropNullMember(buf: Buffer, key: Buffer): Buffer | null {
  for (let at = buf.lastIndexOf(key); at >= 0; at = at > 0 ? buf.lastIndexOf(key, at - 1) : -1) {
    let i = at + key.length;
    while (isBlank(buf[i])) i++;
    if (buf[i] !== 0x3a /* : */) continue;
    i++;
    while (isBlank(buf[i])) i++;
    if (buf[i] !== 0x6e || buf[i + 1] !== 0x75 || buf[i + 2] !== 0x6c || buf[i + 3] !== 0x6c /* null */) continue;
    const valueEnd = i + 4;
    let after = valueEnd;
    while (isBlank(buf[after])) after++;
    let before = at - 1;
    while (isBlank(buf[before])) before--;
    const next = buf[after];
    const prev = buf[before];
    if ((next !== 0x2c /* , */ && next !== 0x7d) /* } */ || (prev !== 0x2c && prev !== 0x7b)) continue;
    // After a comma: the comma goes with the member. First member: the comma after it goes instead.
    const [from, to] = prev === 0x2c ? [before, valueEnd] : next === 0x2c ? [at, after + 1] : [at, valueEnd];
    const out = Buffer.allocUnsafe(buf.length - (to - from));
    buf.copy(out, 0, 0, from);
    buf.copy(out, from, to);
    return out;
  }
  return null;
}
