// args.ts — the one option parser every CLI command uses.
// parseArgs(['a.gguf', '--tokens', '1,2', '--json']) → { positional: ['a.gguf'], opts: { tokens: '1,2', json: true } }

export interface ParsedArgs { positional: string[]; opts: Record<string, string | true> }

/** `valued` lists the options that take a value; every other `--x` is a boolean flag. */
export function parseArgs(argv: string[], valued: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || a === '--') { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) opts[key] = a.slice(eq + 1);
    else if (valued.includes(key)) {
      if (i + 1 >= argv.length) throw new UsageError(`option --${key} needs a value`);
      opts[key] = argv[++i];
    } else opts[key] = true;
  }
  return { positional, opts };
}

export class UsageError extends Error {}

/** An integer option within [min, max], or the default. */
export function intOpt(opts: ParsedArgs['opts'], key: string, dflt: number, min = 0, max = 2 ** 31 - 1): number {
  const v = opts[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${key} must be an integer in ${min}..${max}`);
  return n;
}
