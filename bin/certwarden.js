#!/usr/bin/env node
// certwarden CLI launcher. Requires Node.js 22 or newer (the project pins 24
// through its `node` devDependency, so `npx certwarden` in a checkout runs on it).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`certwarden: Node.js ${process.versions.node} is end-of-life and unsupported; use Node.js 22 or newer (in a checkout: npx certwarden ..., which uses the pinned Node 24).\n`);
  process.exit(2);
}
// Node's on-disk compile cache (in the OS temp folder; NODE_COMPILE_CACHE moves it,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off): every start after the first skips
// compiling certwarden's ~90 modules, which is most of a short scan's start-up.
const { default: module } = await import('node:module');
module.enableCompileCache?.();
const { run } = await import('../dist/cli/main.js');
await run();
