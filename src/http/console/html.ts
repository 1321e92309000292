/**
 * HTML built from tagged templates that escape every interpolated value. Only `SafeHtml` (the result of
 * `html`…`` or `rawHtml`) passes through unescaped, so a name or reason taken from a source record can never
 * become markup. Arrays are joined (each element escaped or safe as above); null, undefined and false render
 * as nothing, which keeps conditionals short: `${cond && html`…`}`.
 */
export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char]!);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Markup written by this module itself (never data): the stylesheet link, an SVG built from numbers. */
export function rawHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
