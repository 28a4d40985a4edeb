/**
 * A coding agent at work: it explores (reads files, greps, lists folders), edits, runs the tests,
 * re-reads a file now and then and re-runs the same test command after each edit. Many similar but
 * different tool calls; identical ones only where a real agent would repeat itself.
 */
import type { CorpusReply } from './corpus.js';
import type { Rng } from './rng.js';
import type { Lexicon } from './text-gen.js';

export const CODING_TOOLS = ['read_file', 'grep', 'list_dir', 'edit_file', 'run_tests'];
export const CODING_SYSTEM = 'You are a coding agent. Use the tools to read, search and edit the repository, and run the tests until they pass.';

export interface CodingStep {
  reply: CorpusReply;
  /** What the tool returns to the next call. */
  result: string;
}

export class CodingAgent {
  private readonly files = new Map<string, string>();
  private failing: string[];
  private phase: 'explore' | 'edit' | 'test' = 'explore';
  private left = 3;

  constructor(
    private readonly rng: Rng,
    private readonly lex: Lexicon,
  ) {
    this.failing = Array.from({ length: rng.int(2, 5) }, () => `test_${lex.identifier(rng)}`);
  }

  task(): string {
    return `Fix the failing tests in the ${this.lex.word(this.rng)} module. ${this.lex.paragraph(this.rng, 1, 3)}`;
  }

  private call(name: string, args: Record<string, unknown>, note: boolean): CorpusReply {
    const reply: CorpusReply = { tool_call: { name, arguments: JSON.stringify(args) } };
    if (note) reply.text = this.lex.sentence(this.rng, 5, 12);
    return reply;
  }

  private knownFile(): string | undefined {
    const paths = [...this.files.keys()];
    return paths.length > 0 ? this.rng.pick(paths) : undefined;
  }

  private explore(note: boolean): CodingStep {
    const { rng, lex } = this;
    const roll = rng.next();
    const known = this.knownFile();
    if (roll < 0.12 && known !== undefined) {
      return { reply: this.call('read_file', { path: known }, note), result: this.files.get(known)! };
    }
    if (roll < 0.6) {
      const path = lex.path(rng);
      const content = lex.code(rng, rng.int(5, 16));
      this.files.set(path, content);
      return { reply: this.call('read_file', { path }, note), result: content };
    }
    if (roll < 0.85) {
      const query = lex.identifier(rng);
      const lines = Array.from({ length: rng.int(1, 6) }, () => `${lex.path(rng)}:${rng.int(1, 400)}: ${lex.code(rng, 1)}`);
      return { reply: this.call('grep', { pattern: query, path: 'src' }, note), result: lines.join('\n') };
    }
    const dir = `src/${lex.word(rng)}`;
    const entries = Array.from({ length: rng.int(2, 9) }, () => `${lex.word(rng)}.ts`);
    return { reply: this.call('list_dir', { path: dir }, note), result: entries.join('\n') };
  }

  private edit(note: boolean): CodingStep {
    const { rng, lex } = this;
    const path = this.knownFile() ?? lex.path(rng);
    const before = lex.code(rng, rng.int(1, 3));
    const after = lex.code(rng, rng.int(1, 5));
    this.files.set(path, `${this.files.get(path) ?? ''}\n${after}`);
    return { reply: this.call('edit_file', { path, old_string: before, new_string: after }, note), result: `Edited ${path}: replaced ${rng.int(1, 6)} lines.` };
  }

  private test(note: boolean): CodingStep {
    const { rng, lex } = this;
    // An edit fixes a failing test about half the time, and sometimes breaks another.
    if (this.failing.length > 0 && rng.chance(0.5)) this.failing.shift();
    if (rng.chance(0.15)) this.failing.push(`test_${lex.identifier(rng)}`);
    const total = rng.int(40, 400);
    const lines = [`Ran ${total} tests in ${(rng.next() * 20).toFixed(2)}s: ${total - this.failing.length} passed, ${this.failing.length} failed.`];
    for (const t of this.failing) lines.push(`FAILED ${t} - AssertionError: expected ${rng.int(0, 99)} but got ${rng.int(0, 99)}`);
    return { reply: this.call('run_tests', { command: 'npm test' }, note), result: lines.join('\n') };
  }

  /** The next step: explore a few times, edit once or twice, run the tests, repeat. */
  next(): CodingStep {
    const note = this.rng.chance(0.25);
    if (this.left <= 0) {
      this.phase = this.phase === 'explore' ? 'edit' : this.phase === 'edit' ? 'test' : 'explore';
      this.left = this.phase === 'explore' ? this.rng.int(1, 5) : this.phase === 'edit' ? this.rng.int(1, 3) : this.rng.int(1, 2);
    }
    this.left--;
    if (this.phase === 'explore') return this.explore(note);
    if (this.phase === 'edit') return this.edit(note);
    return this.test(note);
  }
}
