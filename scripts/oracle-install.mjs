#!/usr/bin/env node
// Installs the llama.cpp oracle (node-llama-cpp, pinned in test-support/llama/package.json)
// into test-support/llama/node_modules on first use. A no-op when it is already there.
// Usable as a script (`node scripts/oracle-install.mjs`) or imported (`ensureOracle()`).
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const oracleDir = join(root, 'test-support', 'llama');

function wantedVersion() {
  const pkg = JSON.parse(readFileSync(join(oracleDir, 'package.json'), 'utf8'));
  return pkg.dependencies['node-llama-cpp'];
}

export function oracleInstalled() {
  const p = join(oracleDir, 'node_modules', 'node-llama-cpp', 'package.json');
  if (!existsSync(p)) return false;
  try {
    return JSON.parse(readFileSync(p, 'utf8')).version === wantedVersion();
  } catch {
    return false;
  }
}

export function ensureOracle({ quiet = false } = {}) {
  if (oracleInstalled()) return oracleDir;
  if (!quiet) console.error(`[oracle-install] installing node-llama-cpp ${wantedVersion()} into ${oracleDir} …`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', oracleDir, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: oracleDir,
    stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0 || !oracleInstalled()) {
    throw new Error(`[oracle-install] npm install failed (status ${r.status}); node-llama-cpp is not available`);
  }
  return oracleDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureOracle();
    console.error('[oracle-install] node-llama-cpp ready');
  } catch (e) {
    console.error(String(e instanceof Error ? e.message : e));
    process.exit(1);
  }
}
