import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../queue/helpers.ts';
import { startScimHarness, type ScimHarness } from './scim-harness.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

let h: ScimHarness | undefined;
let outbox: string | undefined;
afterEach(async () => {
  await h?.release();
  h = undefined;
  if (outbox) rmSync(outbox, { recursive: true, force: true });
});

it('invites a new active user provisioned over SCIM (onboarding on), and no one created inactive', async () => {
  outbox = mkdtempSync(path.join(tmpdir(), 'ks-scim-outbox-'));
  h = await startScimHarness({
    api: 'v26',
    source: { onboarding: { enabled: true, channel: 'outbox', name: 'displayName' } },
    config: { delivery: { outbox: { dir: outbox } } },
  });
  const joiner = await h.scim('POST', '/Users', {
    schemas: [CORE],
    userName: 'new.hire@example.com',
    displayName: 'New Hire',
    emails: [{ value: 'new.hire@example.com', primary: true, type: 'work' }],
  });
  expect(joiner.status).toBe(201);
  const dormant = await h.scim('POST', '/Users', {
    schemas: [CORE],
    userName: 'not.yet@example.com',
    active: false,
    emails: [{ value: 'not.yet@example.com', primary: true }],
  });
  expect(dormant.status).toBe(201);
  const files = await waitFor('an invite in the outbox', () => {
    const eml = readdirSync(outbox!).filter((f) => f.endsWith('.eml'));
    return eml.length > 0 ? eml : undefined;
  });
  const message = readFileSync(path.join(outbox, files[0]!), 'utf8');
  expect(message).toMatch(/^To: .*new\.hire@example\.com/m);
  // Created inactive: a leaver before ever joining, so no identity and nothing to invite.
  expect(h.identities().get(dormant.body.id)).toBeUndefined();
  expect(readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
});
