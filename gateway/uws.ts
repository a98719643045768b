import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as UwsModule from 'uWebSockets.js';

/**
 * Loads the newest uWebSockets.js build that loads on this platform, and never a pure-JS stand-in.
 * 1. `@btc-vision/uwebsockets.js` (uWS core v20.57: Node 20–25, needs glibc ≥ 2.38 on Linux — Debian trixie);
 * 2. `uWebSockets.js` (the unofficial 20.30 fork: Node ≤ 20; its core has the cork-during-upgrade bug that
 *    upstream fixed in v20.79, which the gateway works around by upgrading synchronously).
 * The fork's package silently falls back to a `ws`-based implementation when its binary does not load, so its
 * binary is required directly. When no build loads, the gateway refuses to start and says what each one said.
 */
export type Uws = typeof UwsModule;

export interface UwsBuild {
  uws: Uws;
  /** Which build loaded, e.g. "@btc-vision/uwebsockets.js 20.57.0". */
  build: string;
  /** Why the builds before it did not load. */
  skipped: string[];
}

const require = createRequire(import.meta.url);
const abi = `${process.platform}_${process.arch}_${process.versions.modules}`;

const CANDIDATES: Array<{ pkg: string; binary: (root: string) => string }> = [
  { pkg: '@btc-vision/uwebsockets.js', binary: (root) => join(root, `uws_${abi}.node`) },
  { pkg: 'uWebSockets.js', binary: (root) => join(root, 'binaries', `uws_${abi}.node`) },
];

let loaded: UwsBuild | null = null;

/** The folder of the installed package that `file` belongs to (a `node_modules/<pkg>` folder). */
function packageRoot(file: string, pkg: string): string {
  const marker = `node_modules/${pkg}/`;
  const at = file.lastIndexOf(marker);
  if (at === -1) throw new Error(`${pkg} resolved outside node_modules: ${file}`);
  return file.slice(0, at + marker.length - 1);
}

export function loadUws(): UwsBuild {
  if (loaded) return loaded;
  const skipped: string[] = [];
  for (const c of CANDIDATES) {
    let root: string;
    let version: string;
    try {
      // The package's entry point, not its package.json: one of them has an `exports` map without it.
      root = packageRoot(require.resolve(c.pkg), c.pkg);
      version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      skipped.push(`${c.pkg}: not installed`);
      continue;
    }
    try {
      const uws = require(c.binary(root)) as Uws;
      loaded = { uws, build: `${c.pkg} ${version}`, skipped };
      return loaded;
    } catch (e) {
      skipped.push(`${c.pkg} ${version}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`gateway: no uWebSockets.js build loads on Node ${process.versions.node} (${abi}); tried:\n  ${skipped.join('\n  ')}`);
}
