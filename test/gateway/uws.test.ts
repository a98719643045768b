import { describe, expect, it } from 'vitest';
import { loadUws } from '../../gateway/uws';

describe('uWebSockets.js loader', () => {
  it('loads a native build (never the pure-JS stand-in) and says which, and why the newer one was skipped', () => {
    const b = loadUws();
    expect(['@btc-vision/uwebsockets.js', 'uWebSockets.js'].some((p) => b.build.startsWith(`${p} `))).toBe(true);
    // Only the native addons export getParts; the fork's `ws`-based fallback does not.
    expect(typeof (b.uws as unknown as { getParts?: unknown }).getParts).toBe('function');
    expect(typeof b.uws.App).toBe('function');
    if (b.build.startsWith('uWebSockets.js')) expect(b.skipped[0]).toMatch(/^@btc-vision\/uwebsockets\.js/);
    expect(loadUws()).toBe(b);
  });
});
