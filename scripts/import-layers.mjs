// import-layers.mjs — the ESLint rule behind the layering of DESIGN.md, as an allow-list in the manner
// of VS Code's code-import-patterns: each layer names what its files may import, and anything else
// is an error. eslint.config.js holds the table of layers.
//
// Options: [{ target, allow, why }], first match wins (so list files and tests before their folder):
//   target  glob(s) over repository paths ("electron/engine/**", "electron/engine/native.ts")
//   allow   what the layer's files may import:
//             repository paths, as globs ("electron/common/**"): relative specifiers are resolved
//               from the importing file, and ".js" in a specifier names the ".ts" source;
//             packages by name ("zod", "@hono/node-server", "remark-*"), subpaths included;
//             "node:*" for Node's built-in modules (also when written without "node:");
//             a leading "!" excludes (checked before the rest).
//   why     the sentence the error ends with
// Files under no layer are not checked. Checked: import and export ... from declarations (type-only
// ones too) and import() with a string literal.
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';

const builtins = new Set(builtinModules);

/** A glob as a RegExp: "**" any run of path segments, "*" any run within one. */
function globRe(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const toPosix = (p) => p.split(sep).join('/');

/** What a specifier names: { path } (repository-relative, .ts for .js) or { pkg } (package or node:x). */
function target(spec, file, root) {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const abs = isAbsolute(spec) ? spec : normalize(join(dirname(file), spec));
    return { path: toPosix(relative(root, abs)).replace(/\.js$/, '.ts').replace(/\.jsx$/, '.tsx') };
  }
  const bare = spec.startsWith('node:') ? spec : builtins.has(spec.split('/')[0]) ? `node:${spec}` : spec;
  return { pkg: bare };
}

const isPathPattern = (p) => p.includes('/') && !p.startsWith('@');

/** Whether one allow pattern admits what a specifier names. */
function admits(pattern, t) {
  if (pattern === 'node:*') return t.pkg !== undefined && t.pkg.startsWith('node:');
  if (t.path !== undefined) return isPathPattern(pattern) && globRe(pattern).test(t.path);
  if (t.pkg.startsWith('node:') || isPathPattern(pattern)) return false;
  const name = t.pkg.startsWith('@') ? t.pkg.split('/').slice(0, 2).join('/') : t.pkg.split('/')[0];
  return globRe(pattern).test(name);
}

export function allowed(allow, t) {
  if (allow.some((p) => p.startsWith('!') && admits(p.slice(1), t))) return false;
  return allow.some((p) => !p.startsWith('!') && admits(p, t));
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'each layer imports only what its allow-list names (DESIGN.md layering)' },
    schema: { type: 'array', items: { type: 'object' } },
    messages: { denied: '{{file}} ({{layer}}) may not import "{{spec}}": {{why}}' },
  },
  create(context) {
    const root = context.cwd;
    const file = context.filename;
    const rel = toPosix(relative(root, file));
    const layer = context.options.find((l) => [l.target].flat().some((g) => globRe(g).test(rel)));
    if (!layer) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const spec = source.value;
      if (allowed(layer.allow, target(spec, file, root))) return;
      context.report({ node, messageId: 'denied', data: { file: rel, layer: [layer.target].flat()[0], spec, why: layer.why } });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => { if (n.source.type === 'Literal') check(n, n.source); },
    };
  },
};

export const importLayers = { rules: { 'import-layers': rule } };
