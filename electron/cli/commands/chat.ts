// cairn chat [model.gguf] [--prompt "…" ...] [--seed N] [--temp T] [--top-k K] [--top-p P] [--min-p P]
//            [--max-tokens N] [--ctx N] [--context-overflow shift|stop] [--threads N] [--backend B] [--save f.cairn] [--json]
// cairn chat --resume f.cairn [--model other.gguf] [--prompt "…"]
// With --prompt (repeatable: one turn each) the answers stream to stdout; without, an interactive
// chat on the terminal (/save f, /load f, /stats, /quit; Ctrl-C stops the current answer).
// Without a model path: the built-in model (assets/models/*.gguf) or the resumed snapshot's model.
// --json: no streaming; one JSON line per turn {turn, text, tokens, reason, reused, prefilled, dropped}.
// A full context drops the oldest turns from the model's view (a notice on stderr says how many) or,
// with --context-overflow stop, ends the answer ("[context full]").
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { intOpt, parseArgs, UsageError } from '../args.js';
import { backendOpt } from './eval.js';
import { builtinModel } from '../../main/builtin-model.js';
import { Conversation, modelTokenizer, snapshotSettings, type ConversationSettings, type TurnResult } from '../../engine/conversation.js';
import { ActorError } from '../../engine/actor-host.js';
import { Model } from '../../engine/model.js';
import { EngineError } from '../../engine/native.js';
import { SnapshotError } from '../../engine/snapshot/format.js';
import type { Tokenizer } from '../../engine/tokenizer/index.js';

export const usage = 'chat [model.gguf] [--prompt "…"] [--seed N] [--temp T] [--top-k K] [--top-p P] [--max-tokens N] [--ctx N] [--context-overflow shift|stop] [--backend B] [--save f.cairn] | chat --resume f.cairn [--model m.gguf]';

const VALUED = ['seed', 'temp', 'top-k', 'top-p', 'min-p', 'max-tokens', 'ctx', 'context-overflow', 'threads', 'backend', 'save', 'resume', 'model'];

function floatOpt(opts: Record<string, string | true>, key: string, min: number, max: number): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${key} must be a number in ${min}..${max}`);
  return n;
}

/** Sampler and size settings given on the command line (only those given). */
function settingsFromOpts(opts: Record<string, string | true>): Partial<ConversationSettings> {
  const s: Partial<ConversationSettings> = {
    temperature: floatOpt(opts, 'temp', 0, 100), topP: floatOpt(opts, 'top-p', 0, 1), minP: floatOpt(opts, 'min-p', 0, 1),
  };
  if (opts.seed !== undefined) s.seed = intOpt(opts, 'seed', 0, 0, Number.MAX_SAFE_INTEGER);
  if (opts['top-k'] !== undefined) s.topK = intOpt(opts, 'top-k', 0, 0, 1 << 20);
  if (opts['max-tokens'] !== undefined) s.maxTokens = intOpt(opts, 'max-tokens', 256, 0, 1 << 20);
  if (opts.ctx !== undefined) s.nCtx = intOpt(opts, 'ctx', 4096, 1, 1 << 20);
  const overflow = opts['context-overflow'];
  if (overflow !== undefined) {
    if (overflow !== 'shift' && overflow !== 'stop') throw new UsageError('--context-overflow must be shift or stop');
    s.contextOverflow = overflow;
  }
  for (const k of Object.keys(s) as (keyof ConversationSettings)[]) if (s[k] === undefined) delete s[k];
  return s;
}

/** Splits out every `--prompt X` (repeatable) before the common parser sees the rest. */
function takePrompts(argv: string[]): { prompts: string[]; rest: string[] } {
  const prompts: string[] = [], rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--prompt') {
      if (i + 1 >= argv.length) throw new UsageError('option --prompt needs a value');
      prompts.push(argv[++i]);
    } else if (argv[i].startsWith('--prompt=')) prompts.push(argv[i].slice('--prompt='.length));
    else rest.push(argv[i]);
  }
  return { prompts, rest };
}

interface Session { model: Model; tokenizer: Tokenizer; conv: Conversation }

async function resumeInto(file: string, model: Model, tokenizer: Tokenizer, overrides: Partial<ConversationSettings>): Promise<Conversation> {
  const r = await Conversation.resume(file, model, tokenizer, { settings: overrides });
  console.error(`cairn chat: ${r.path} from ${file}: ${r.reason || '(no reason)'}`);
  return r.conversation;
}

const fmt = (n: number, d = 1) => n.toFixed(d);

/** What a full context did to a turn, for stderr ('' when nothing). */
function contextNotice(r: TurnResult): string {
  if (r.dropped) return `cairn chat: context full: the ${r.dropped === 1 ? 'oldest turn' : `${r.dropped} oldest turns`} left the model's view (the transcript keeps them)`;
  if (r.reason === 'context') return 'cairn chat: context full: the answer stopped (start a new chat, or use --ctx / --context-overflow shift)';
  return '';
}

/** Prints the notice for a turn, if any, on stderr. */
function notice(r: TurnResult): void {
  const n = contextNotice(r);
  if (n) console.error(n);
}

function statsLine(s: Session): string {
  const t = s.conv.stats();
  return `tokens ${t.prefillTokens} prefilled (${t.reusedTokens} reused) + ${t.decodeTokens} generated, position ${t.position}/${t.nCtx}, ` +
    `prefill ${fmt(t.prefillTokPerS)} tok/s, decode ${fmt(t.decodeTokPerS)} tok/s\n` +
    `bytes copied between actor and engine ${t.bytesCopied}\n` +
    `bytes copied by forks ${t.bytesForked}`;
}

async function interactive(s: Session): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY, prompt: '> ' });
  let generating = false;
  const onInt = () => {
    if (generating) s.conv.interrupt();
    else rl.close();
  };
  rl.on('SIGINT', onInt);
  process.on('SIGINT', onInt);
  console.error('cairn chat: /save f.cairn, /load f.cairn, /stats, /quit; Ctrl-C stops an answer');
  rl.prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '/quit' || line === '/exit') break;
      if (line === '/stats') console.log(statsLine(s));
      else if (line.startsWith('/save ')) {
        const r = await s.conv.save(line.slice(6).trim());
        console.log(`saved ${r.nTokens} tokens (${r.bytes} bytes)`);
      } else if (line.startsWith('/load ')) {
        s.conv = await resumeInto(line.slice(6).trim(), s.model, s.tokenizer, {});
      } else if (line.startsWith('/')) console.log('commands: /save f.cairn, /load f.cairn, /stats, /quit');
      else if (line) {
        generating = true;
        let r: TurnResult;
        try {
          r = await s.conv.send(line, (t) => process.stdout.write(t), { yieldEveryToken: true });
        } finally { generating = false; }
        process.stdout.write(r.reason === 'cancelled' ? ' [stopped]\n' : r.reason === 'context' ? ' [context full]\n' : '\n');
        notice(r);
      }
      rl.prompt();
    }
  } catch (e) {
    if (e instanceof SnapshotError) console.error(`cairn chat: ${e.message}`);
    else throw e;
  } finally {
    process.off('SIGINT', onInt);
    rl.close();
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  let model: Model | undefined;
  try {
    const { prompts, rest } = takePrompts(argv);
    const { positional, opts } = parseArgs(rest, VALUED);
    if (positional.length > 1) throw new UsageError(`usage: cairn ${usage}`);
    if (positional.length && typeof opts.model === 'string') throw new UsageError('give the model either as a path or with --model');
    const resume = typeof opts.resume === 'string' ? opts.resume : undefined;
    const overrides = settingsFromOpts(opts);
    let path: string | undefined = positional[0] ?? (typeof opts.model === 'string' ? opts.model : undefined);
    if (!path && resume) {
      const saved = (await snapshotSettings(resume))?.modelPath;
      if (saved && existsSync(saved)) path = saved;
    }
    path ??= builtinModel();
    if (!path) {
      throw new UsageError('a model path is needed: cairn chat <model.gguf> (no built-in model found in assets/models/)');
    }
    model = Model.load(path, { threads: opts.threads !== undefined ? intOpt(opts, 'threads', 0, 1, 256) : 0, backend: backendOpt(opts.backend) });
    const tokenizer = modelTokenizer(model);
    const conv = resume ? await resumeInto(resume, model, tokenizer, overrides) : Conversation.create(model, tokenizer, overrides);
    const s: Session = { model, tokenizer, conv };
    if (!prompts.length) return await interactive(s);
    for (let i = 0; i < prompts.length; i++) {
      const r = await s.conv.send(prompts[i], opts.json ? undefined : (t) => process.stdout.write(t));
      if (opts.json) {
        console.log(JSON.stringify({ turn: i + 1, text: r.text, tokens: r.tokens, reason: r.reason, reused: r.reused, prefilled: r.prefilled,
          dropped: r.dropped }));
      } else process.stdout.write(r.reason === 'context' ? ' [context full]\n' : '\n');
      notice(r);
    }
    if (typeof opts.save === 'string') {
      const r = await s.conv.save(opts.save);
      console.error(`cairn chat: saved ${r.nTokens} tokens to ${opts.save} (${r.bytes} bytes)`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError || e instanceof SnapshotError || e instanceof ActorError) {
      console.error(`cairn chat: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    model?.close();
  }
}
