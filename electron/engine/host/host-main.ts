// host-main.ts — entry of the engine host process (Electron utilityProcess in the app, a Node child
// process under `cairn serve` and in tests). Any uncaught exception or unhandled rejection ends the
// process with status 1 (its supervisor restarts it): those handlers are installed BEFORE the engine
// (koffi, the native library) is imported, so nothing the engine does at load time escapes them.
//
// Test hook: CAIRN_HOST_TEST_CRASH_ON_LOAD=<substring> makes a 'model.load' of a path containing the
// substring kill this process (SIGKILL) before loading, a deterministic "crash during load" for the
// quarantine tests. Never set outside tests.
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
