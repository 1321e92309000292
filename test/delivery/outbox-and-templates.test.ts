import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.ts';
import { createOutboxChannel } from '../../src/delivery/outbox-channel.ts';
import { SealedText } from '../../src/delivery/sealed-text.ts';
import { loadInviteTemplates, renderTemplate } from '../../src/delivery/templates.ts';
import { decodeQuotedPrintable } from './support/smtp-sink.ts';

describe('outbox channel', () => {
  it('writes a complete .eml per message and can tell afterwards whether it went out', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'outbox-')), 'out');
    const outbox = createOutboxChannel({ dir, from: 'IT <it@example.com>' });
    const link = new Secret('https://id.example.com/self-service/recovery?flow=f3&token=outbox-token-789');
    const messageId = '<invite.o1.1@example.com>';
    expect(await outbox.wasSent!(messageId)).toBe(false);
    await outbox.send({
      messageId,
      kind: 'invite',
      to: 'hire@example.com',
      subject: 'Welcome',
      text: new SealedText(`Open ${link.reveal()}`),
      html: new SealedText('<p>html</p>'),
      data: { source: 'hr', key: 'E3', identityId: 'id-3', name: 'Hire', link, attempt: 1 },
    });
    expect(await outbox.wasSent!(messageId)).toBe(true);
    const files = readdirSync(dir);
    expect(files).toEqual(['_invite.o1.1@example.com_.eml']);
    const raw = decodeQuotedPrintable(readFileSync(path.join(dir, files[0]!), 'utf8'));
    expect(raw).toMatch(/^Message-ID: <invite\.o1\.1@example\.com>/m);
    expect(raw).toContain('token=outbox-token-789');
  });
});

describe('message templates', () => {
  it('fills placeholders, keeps sections only when their value is set, and escapes HTML', () => {
    const template = 'Hi {{name}}\n{{#code}}\nCode: {{code}}\n{{/code}}\nLink: {{link}}';
    expect(renderTemplate(template, { name: 'Ana', code: '', link: 'L' }, 'text')).toBe('Hi Ana\nLink: L');
    expect(renderTemplate(template, { name: 'Ana', code: '123456', link: 'L' }, 'text')).toBe(
      'Hi Ana\nCode: 123456\nLink: L',
    );
    expect(renderTemplate('<p>{{name}}</p>', { name: '<b>"Ann" & co</b>' }, 'html')).toBe(
      '<p>&lt;b&gt;&quot;Ann&quot; &amp; co&lt;/b&gt;</p>',
    );
  });

  it('ships built-in templates and lets config file paths replace them', () => {
    const builtIn = loadInviteTemplates({}, process.cwd());
    expect(builtIn.text).toContain('{{link}}');
    expect(builtIn.html).toContain('href="{{link}}"');
    expect(builtIn.subject).toContain('{{name}}');
    const dir = mkdtempSync(path.join(tmpdir(), 'templates-'));
    writeFileSync(path.join(dir, 'mine.txt'), 'Custom {{link}}');
    const custom = loadInviteTemplates({ text: 'mine.txt' }, dir);
    expect(custom.text).toBe('Custom {{link}}');
    expect(custom.html).toBe(builtIn.html);
    expect(() => loadInviteTemplates({ html: 'missing.html' }, dir)).toThrow(
      /delivery\.templates\.html: cannot read .*missing\.html/,
    );
  });
});
