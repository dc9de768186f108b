// main.ts — the `cairn` command line: one module per command under ./commands/.
// Each command module exports `run(args: string[]): Promise<number>` (the exit code) and `usage`.

interface Command { usage: string; run(args: string[]): Promise<number> }

// name → loader; lazy so `cairn inspect` does not pay for what `cairn chat` needs.
const commands: Record<string, () => Promise<Command>> = {
  inspect: () => import('./commands/inspect.js'),
  eval: () => import('./commands/eval.js'),
  bench: () => import('./commands/bench.js'),
  tokenize: () => import('./commands/tokenize.js'),
  template: () => import('./commands/template.js'),
  chat: () => import('./commands/chat.js'),
  serve: () => import('./commands/serve.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log('usage: cairn <command> [options]\n');
    for (const [n, load] of Object.entries(commands)) console.log(`  ${(await load()).usage.split('\n')[0] || n}`);
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    console.error(`cairn: unknown command '${name}' (try: ${Object.keys(commands).join(', ')})`);
    return 1;
  }
  return (await load()).run(rest);
}
