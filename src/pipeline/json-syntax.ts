/**
 * Where a request body's JSON is malformed, said without quoting it: V8's JSON.parse messages quote
 * the start or the surroundings of the text ("Unexpected token 'S', "SECRETVALU"..."), and a body may
 * hold a secret. Run only after JSON.parse has refused a body (the cold path), so it need not be fast.
 * Iterative (a stack of open containers), so a deeply nested body cannot overflow the call stack.
 */

export interface JsonSyntaxError {
  /** Offset in the decoded text (UTF-16 code units, as JSON.parse counts), from 0. */
  position: number;
  /** From 1. */
  line: number;
  /** From 1. */
  column: number;
  problem: string;
}

const OBJECT = 1;
const ARRAY = 2;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.i++;
    }
  }

  get end(): boolean {
    return this.i >= this.s.length;
  }

  /** A string starting at the quote under i; a problem, or null once past its closing quote. */
  string(): string | null {
    const s = this.s;
    this.i++;
    for (;;) {
      if (this.end) return 'unterminated string';
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return null;
      }
      if (c < 0x20) return 'control character in a string';
      if (c === 0x5c) {
        this.i++;
        if (this.end) return 'unterminated string';
        const e = s.charCodeAt(this.i);
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            this.i++;
            if (this.end) return 'unterminated string';
            if (!isHex(s.charCodeAt(this.i))) return 'invalid \\u escape';
          }
        } else if (!ESCAPES.has(e)) return 'invalid escape';
      }
      this.i++;
    }
  }

  digits(): string | null {
    if (this.end) return 'unexpected end of the body';
    if (!isDigit(this.s.charCodeAt(this.i))) return 'invalid number';
    while (!this.end && isDigit(this.s.charCodeAt(this.i))) this.i++;
    return null;
  }

  number(): string | null {
    const s = this.s;
    if (s.charCodeAt(this.i) === 0x2d) this.i++;
    if (!this.end && s.charCodeAt(this.i) === 0x30) this.i++;
    else {
      const p = this.digits();
      if (p) return p;
    }
    if (!this.end && s.charCodeAt(this.i) === 0x2e) {
      this.i++;
      const p = this.digits();
      if (p) return p;
    }
    const c = s.charCodeAt(this.i);
    if (!this.end && (c === 0x65 || c === 0x45)) {
      this.i++;
      const sign = s.charCodeAt(this.i);
      if (!this.end && (sign === 0x2b || sign === 0x2d)) this.i++;
      return this.digits();
    }
    return null;
  }

  literal(word: string): string | null {
    for (let k = 0; k < word.length; k++, this.i++) {
      if (this.end) return 'unexpected end of the body';
      if (this.s.charCodeAt(this.i) !== word.charCodeAt(k)) return 'unexpected character';
    }
    return null;
  }

  /** An object's key and its colon, from the quote under i. */
  member(): string | null {
    if (this.end) return 'unexpected end of the body';
    if (this.s.charCodeAt(this.i) !== 0x22) return 'expected a property name in double quotes';
    const p = this.string();
    if (p) return p;
    this.ws();
    if (this.end) return 'unexpected end of the body';
    if (this.s.charCodeAt(this.i) !== 0x3a) return "expected ':' after a property name";
    this.i++;
    return null;
  }
}

/** The first syntax error in `text`, or null when it is well-formed JSON. */
export function findJsonError(text: string): JsonSyntaxError | null {
  const sc = new Scanner(text);
  const open: number[] = [];
  const problem = scan(sc, open);
  if (problem === null) return null;
  const before = text.slice(0, sc.i);
  const lastBreak = before.lastIndexOf('\n');
  return { position: sc.i, line: before.split('\n').length, column: sc.i - lastBreak, problem };
}

function scan(sc: Scanner, open: number[]): string | null {
  for (;;) {
    // A value.
    sc.ws();
    if (sc.end) return 'unexpected end of the body';
    const c = sc.s.charCodeAt(sc.i);
    let p: string | null = null;
    let value = true;
    if (c === 0x7b) {
      sc.i++;
      sc.ws();
      if (!sc.end && sc.s.charCodeAt(sc.i) === 0x7d) sc.i++;
      else {
        p = sc.member();
        open.push(OBJECT);
        value = false;
      }
    } else if (c === 0x5b) {
      sc.i++;
      sc.ws();
      if (!sc.end && sc.s.charCodeAt(sc.i) === 0x5d) sc.i++;
      else {
        open.push(ARRAY);
        value = false;
      }
    } else if (c === 0x22) p = sc.string();
    else if (c === 0x2d || isDigit(c)) p = sc.number();
    else if (c === 0x74) p = sc.literal('true');
    else if (c === 0x66) p = sc.literal('false');
    else if (c === 0x6e) p = sc.literal('null');
    else p = 'unexpected character';
    if (p) return p;
    if (!value) continue;
    // After a value: close containers, or go on to the next element or member.
    for (;;) {
      sc.ws();
      const top = open[open.length - 1];
      if (top === undefined) return sc.end ? null : 'unexpected character after the end of the JSON';
      if (sc.end) return 'unexpected end of the body';
      const d = sc.s.charCodeAt(sc.i);
      if ((d === 0x7d && top === OBJECT) || (d === 0x5d && top === ARRAY)) {
        sc.i++;
        open.pop();
        continue;
      }
      if (d !== 0x2c) return top === OBJECT ? "expected ',' or '}'" : "expected ',' or ']'";
      sc.i++;
      if (top === OBJECT) {
        sc.ws();
        p = sc.member();
        if (p) return p;
      }
      break;
    }
  }
}
