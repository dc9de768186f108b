#!/usr/bin/env node
// Builds the conversation actor (electron/actor/assembly/*.ts, AssemblyScript) into
// build/actor/actor.wasm (release) and build/actor/actor.debug.wasm (+ .wat, source map).
// Skips a target whose output is newer than every source and the config, unless --force.
// Usage: node scripts/build-actor.mjs [--target release|debug|all] [--force]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const actorDir = join(root, 'electron', 'actor');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const force = args.includes('--force');
const which = opt('--target', 'all');
const targets = which === 'all' ? ['release', 'debug'] : [which];
const outputs = { release: 'actor.wasm', debug: 'actor.debug.wasm' };

const asc = join(dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')), 'bin', 'asc.js');
const srcDir = join(actorDir, 'assembly');
const sources = [join(actorDir, 'asconfig.json'), ...readdirSync(srcDir).filter((f) => f.endsWith('.ts')).map((f) => join(srcDir, f))];
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));

for (const target of targets) {
  if (!(target in outputs)) throw new Error(`unknown target '${target}' (release, debug or all)`);
  const out = join(root, 'build', 'actor', outputs[target]);
  if (!force && existsSync(out) && statSync(out).mtimeMs >= newest) continue;
  execFileSync(process.execPath, [asc, 'assembly/index.ts', '--config', 'asconfig.json', '--target', target],
    { cwd: actorDir, stdio: 'inherit' });
  console.log(`actor: built ${out}`);
}
