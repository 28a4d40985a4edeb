/** The data of a complete SSE stream's events, parsed (pure; the stream is already whole). */

/** The JSON data of every event (`[DONE]` left out), or null when one is not JSON. */
export function sseData(sse: string): Record<string, unknown>[] | null {
  const out: Record<string, unknown>[] = [];
  for (const ev of sse.split(/\r?\n\r?\n/)) {
    let data = '';
    for (const line of ev.split(/\r?\n/)) {
      if (line.startsWith('data:')) data += (data === '' ? '' : '\n') + line.slice(line.startsWith('data: ') ? 6 : 5);
    }
    if (data === '' || data === '[DONE]') continue;
    try {
      const parsed: unknown = JSON.parse(data);
      if (!isRecord(parsed)) return null;
      out.push(parsed);
    } catch {
      return null;
    }
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
