import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's demo can be pointed at any Kratos profile of the simulator (`--kratos-api` or
// DEMO_KRATOS_API). Runs the real demo script end to end.
const script = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));

async function runDemo(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // 'close', not 'exit': the process can be gone while the last of its output is still in the pipes.
  const [code] = (await once(child, 'close')) as [number];
  return { code, out };
}

describe('demo Kratos profile', () => {
  it('runs the whole demo against the v1 (v1.3.1) simulator when DEMO_KRATOS_API=v1', async () => {
    const { code, out } = await runDemo([], { DEMO_KRATOS_API: 'v1' });
    expect(code).toBe(0);
    expect(out).toContain('Kratos (simulated, v1.3.1 API)');
    // Day 1 creates 32, day 2 adds the fixed record and the new hire: 34, and the last sync writes nothing.
    expect(out).toContain('it now holds 34 identities');
    expect(out).toContain('nothing to do');
  });

  it('refuses an unknown profile naming the choices, before starting anything', async () => {
    const { code, out } = await runDemo(['--kratos-api', 'v2']);
    expect(code).toBe(2);
    expect(out).toContain('demo: --kratos-api must be one of v26, v25.4, v1, v1.0, v0.10, got "v2"');
  });
});
