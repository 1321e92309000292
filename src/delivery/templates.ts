import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Message templates. Placeholders are `{{name}}`; a section `{{#code}}…{{/code}}` is kept only when that
 * value is non-empty. Values are HTML-escaped in HTML templates. The built-in templates live in
 * `config/templates/`; `delivery.templates.{subject,text,html}` point at files that replace them.
 */
export interface InviteTemplates {
  subject: string;
  text: string;
  html: string;
  managerNotice: string;
}

/** Built-in templates ship in the package's `config/templates` (two levels up from src/, three from dist/src/). */
function builtInDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(here, up, 'config/templates');
    if (existsSync(path.join(dir, 'invite.txt'))) return dir;
  }
  throw new Error(`built-in message templates not found near ${here} (expected config/templates/invite.txt)`);
}

export function loadInviteTemplates(
  overrides: { subject?: string; text?: string; html?: string },
  baseDir: string,
): InviteTemplates {
  const dir = builtInDir();
  const read = (override: string | undefined, builtIn: string, option: string) => {
    const file = override ? path.resolve(baseDir, override) : path.join(dir, builtIn);
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`delivery.templates.${option}: cannot read ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  return {
    subject: read(overrides.subject, 'invite.subject.txt', 'subject').trim(),
    text: read(overrides.text, 'invite.txt', 'text'),
    html: read(overrides.html, 'invite.html', 'html'),
    managerNotice: read(undefined, 'manager-notice.txt', 'managerNotice'),
  };
}

export function renderTemplate(
  template: string,
  values: Record<string, string>,
  format: 'text' | 'html',
): string {
  const value = (name: string) => {
    const raw = values[name] ?? '';
    return format === 'html' ? escapeHtml(raw) : raw;
  };
  return template
    .replace(/\{\{#(\w+)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?/g, (_, name: string, inner: string) =>
      values[name] ? inner : '',
    )
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => value(name));
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
