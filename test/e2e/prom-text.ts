/** A small parser of the Prometheus text exposition format, written for the tests (no prom-client). */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels: ${s}`);
    const name = s.slice(i, eq).trim();
    if (s[eq + 1] !== '"') throw new Error(`label ${name} is not quoted: ${s}`);
    let j = eq + 2;
    let value = '';
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        j++;
        value += s[j] === 'n' ? '\n' : s[j];
      } else value += s[j];
    }
    if (j >= s.length) throw new Error(`unterminated label value: ${s}`);
    out[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
  }
  return out;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    let name: string;
    let labels: Record<string, string> = {};
    if (brace >= 0 && brace < space) {
      name = line.slice(0, brace);
      const close = line.lastIndexOf('}');
      labels = parseLabels(line.slice(brace + 1, close));
    } else {
      name = line.slice(0, space);
    }
    const v = line.slice(space + 1);
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name) || Number.isNaN(value)) throw new Error(`bad sample line: ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** Sum of every sample of `name` whose labels include all of `match`. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
