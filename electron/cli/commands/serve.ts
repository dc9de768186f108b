// cairn serve [--host 127.0.0.1] [--port N] [--data DIR] [model.gguf]
// The app's main side behind a local HTTP server: the chat window (renderer/dist) at the printed URL
// (its per-launch token in the URL's #fragment), the typed API it uses, and an OpenAI-compatible API
// at /v1 (GET /v1/models, POST /v1/chat/completions). Loopback by default; another --host prints a
// warning (the token is then needed for /v1 too). Without a model path: the built-in model.
// Ctrl-C (SIGINT) or SIGTERM: answers in progress are kept as written so far, KV snapshots written.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { intOpt, parseArgs, UsageError } from '../args.js';
import { defaultDataDir, openService } from '../../main/service/open-service.js';
import { isLoopback } from '../../server/guard.js';
import { startServer } from '../../server/server.js';
import { builtinModel } from './chat.js';

export const usage = 'serve [--host 127.0.0.1] [--port N] [--data DIR] [model.gguf]   the app in a browser + an OpenAI-compatible API';

export const DEFAULT_PORT = 8421;

export async function run(argv: string[]): Promise<number> {
  let host: string, port: number, dataDir: string, modelPath: string | undefined;
  try {
    const { positional, opts } = parseArgs(argv, ['host', 'port', 'data']);
    if (opts.help) { console.log(`usage: cairn ${usage}`); return 0; }
    for (const k of Object.keys(opts)) if (!['host', 'port', 'data'].includes(k)) throw new UsageError(`unknown option --${k}`);
    if (positional.length > 1) throw new UsageError('at most one model path');
    host = typeof opts.host === 'string' ? opts.host : '127.0.0.1';
    port = intOpt(opts, 'port', DEFAULT_PORT, 0, 65535);
    dataDir = resolve(typeof opts.data === 'string' ? opts.data : defaultDataDir());
    modelPath = positional[0] ? resolve(positional[0]) : undefined;
    if (modelPath && !existsSync(modelPath)) throw new UsageError(`${positional[0]}: no such file`);
  } catch (e) {
    if (e instanceof UsageError) { console.error(`cairn serve: ${e.message}\nusage: cairn ${usage}`); return 2; }
    throw e;
  }
  if (!isLoopback(host)) {
    console.error(`cairn serve: warning: listening on ${host}, reachable from other machines; the API needs the token printed below (also as the OpenAI API key).`);
  }
  const app = await openService({ dataDir, builtinModelPath: builtinModel(), modelPath });
  let server;
  try {
    server = await startServer({ service: app.service, dataDir, host, port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    console.error(`cairn serve: cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use (pick another with --port)' : (e as Error).message}`);
    return 1;
  }
  const model = app.service.models.current;
  console.log(`Cairn is running: open ${server.openUrl}`);
  console.log(`  model: ${model ? `${model.name} (${model.path})` : 'none loaded'}; data: ${dataDir}`);
  console.log(`  OpenAI-compatible API: ${server.url}/v1  (requests there are not saved as conversations)`);
  await new Promise<void>((done) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); done(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('cairn serve: stopping (answers in progress are kept as written so far)…');
  await server.close();
  await app.close();
  return 0;
}
