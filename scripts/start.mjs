#!/usr/bin/env node
// `npm start`: the Electron app with the built-in model. Where no Electron binary has been
// downloaded (node_modules/electron/dist), it says so in one line and runs `cairn serve` instead
// (the same app in a browser). The binary is looked for without running electron's index.js, which
// would start a download.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

if (!existsSync(join(root, 'dist', 'electron', 'cli', 'main.js'))) {
  console.error('cairn: not built yet: run "npm run build" first');
  process.exit(1);
}

const exe = electronBinary();
if (exe) {
  const child = spawn(exe, [root, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
} else {
  console.log('cairn: no Electron binary on this machine (node_modules/electron/dist is not downloaded): running `cairn serve` instead; open the URL it prints.');
  const { main } = await import(join(root, 'dist', 'electron', 'cli', 'main.js'));
  process.exitCode = await main(['serve', ...args]);
}
