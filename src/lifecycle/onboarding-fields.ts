import jsonata from 'jsonata';
import type { OnboardingConfig } from '../config/sections/source.ts';
import type { JsonObject } from '../domain/identity.ts';
import type { SourceRecord } from '../sources/types.ts';

/** What onboarding reads about one new hire: where to send, how to greet, when and in which zone. */
export interface OnboardingFields {
  email?: string;
  name?: string;
  managerEmail?: string;
  timeZone?: string;
  /** YYYY-MM-DD (a longer ISO value is cut to its date). */
  startDate?: string;
}

type FieldName = keyof OnboardingFields;
const FIELDS: FieldName[] = ['email', 'name', 'managerEmail', 'timeZone', 'startDate'];

/**
 * The `onboarding` expressions of one source, compiled once. Expressions are JSONata evaluated against the
 * source record, as in `mapping`. Without an expression, `email` and `name` come from the identity's traits
 * (`traits.email`; `traits.name` as a string or `{first,last}`), so the common case needs no source read.
 */
export interface OnboardingFieldReader {
  /** True when some expression needs the source record (the caller fetches it). */
  readonly needsRecord: boolean;
  read(record: SourceRecord | null, traits: JsonObject): Promise<OnboardingFields>;
}

export function compileOnboardingFields(config: OnboardingConfig, sourceName: string): OnboardingFieldReader {
  const compiled = new Map<FieldName, jsonata.Expression>();
  for (const field of FIELDS) {
    const text = config[field];
    if (!text) continue;
    try {
      compiled.set(field, jsonata(text));
    } catch (err) {
      throw new Error(
        `sources.${sourceName}.onboarding.${field}: invalid expression: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  return {
    needsRecord: compiled.size > 0,
    async read(record, traits) {
      const fields: OnboardingFields = {};
      for (const [field, expression] of compiled) {
        if (!record) continue;
        const value = await expression.evaluate(record).catch(() => undefined);
        if (typeof value === 'string' && value.trim() !== '') fields[field] = value.trim();
      }
      fields.email ??= stringAt(traits, 'email');
      fields.name ??= nameFromTraits(traits) ?? fields.email?.split('@')[0];
      if (fields.startDate) fields.startDate = fields.startDate.slice(0, 10);
      return fields;
    },
  };
}

function stringAt(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function nameFromTraits(traits: JsonObject): string | undefined {
  const name = traits.name;
  if (typeof name === 'string' && name.trim() !== '') return name.trim();
  const parts = name && typeof name === 'object' ? (name as JsonObject) : traits;
  const joined = [
    stringAt(parts, 'first') ?? stringAt(parts, 'first_name'),
    stringAt(parts, 'last') ?? stringAt(parts, 'last_name'),
  ]
    .filter(Boolean)
    .join(' ');
  return joined || undefined;
}
