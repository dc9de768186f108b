// host-main.ts — entry of the engine host process (Electron utilityProcess in the app, a Node child
// process under `cairn serve` and in tests). Any uncaught exception or unhandled rejection ends the
// process with status 1 (its supervisor restarts it): those handlers are installed BEFORE the engine
// (koffi, the native library) is imported, so nothing the engine does at load time escapes them.
//
// Test hooks (never set outside tests):
//   CAIRN_HOST_TEST_CRASH_ON_LOAD=<substring>: a 'model.load' or 'model.inspect' of a path containing it kills this
//     process (SIGKILL) before loading: a deterministic crash during load (quarantine tests).
//   CAIRN_HOST_TEST_STALL_ON_PROMPT=<substring>: a 'generate' whose user message contains it never
//     produces a token while the host keeps answering pings (per-token deadline tests).
const die = (what: string) => (e: unknown) => {
  try { process.stderr.write(`cairn engine host: ${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`); } finally { process.exit(1); }
};
process.on('uncaughtException', die('uncaught exception'));
process.on('unhandledRejection', die('unhandled rejection'));

const { hostPort } = await import('./port.js');
const { EngineHost } = await import('./engine-host.js');
const port = hostPort();
const host = new EngineHost((msg) => port.send(msg));
port.onMessage((msg) => host.handle(msg));
port.send({ kind: 'evt', type: 'ready', pid: process.pid });
