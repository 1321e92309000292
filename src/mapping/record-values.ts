import type { IdentityState, JsonObject } from '../domain/identity.ts';
import { pathSegmentProblem } from '../kratos/path-segment.ts';

/**
 * Checks on what a mapping expression produced, before any schema: each returns the value in the shape
 * DesiredIdentity wants, or a `Problem` naming the rule. Messages name the type that was found, never the
 * value itself (it is personal data).
 */
export class Problem {
  readonly rule: string;
  readonly message: string;
  constructor(rule: string, message: string) {
    this.rule = rule;
    this.message = message;
  }
}

const MAX_EXTERNAL_ID_LENGTH = 64; // Kratos stores external_id as VARCHAR(64)

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function asBoolean(value: unknown, what: string, whenMissing: boolean | null): boolean | Problem {
  if (typeof value === 'boolean') return value;
  if ((value === undefined || value === null) && whenMissing !== null) return whenMissing;
  return new Problem('type', `${what} must evaluate to true or false, got ${typeName(value)}`);
}

export function asObject(value: unknown, what: string, optional: boolean): JsonObject | null | Problem {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as JsonObject;
  if (optional && (value === undefined || value === null)) return null;
  return new Problem(
    'type',
    `${what} must evaluate to an object, got ${value === undefined ? 'nothing' : typeName(value)}`,
  );
}

export function asState(value: unknown): IdentityState | Problem {
  if (value === undefined || value === null) return 'active';
  if (value === 'active' || value === 'inactive') return value;
  const found = typeof value === 'string' ? 'another string' : typeName(value);
  return new Problem('enum', `mapping.state must evaluate to "active" or "inactive", got ${found}`);
}

export function asSchemaId(value: unknown): string | Problem {
  if (typeof value === 'string' && value !== '') return value;
  return new Problem(
    'type',
    `mapping.schemaId must evaluate to a non-empty string, got ${value === '' ? 'an empty string' : typeName(value)}`,
  );
}

/** Strings and numbers; missing or empty = undefined. */
export function asOptionalText(value: unknown, what: string): string | undefined | Problem {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return new Problem('type', `${what} must evaluate to a string or a number, got ${typeName(value)}`);
}

export function asExternalId(value: unknown): string | undefined | Problem {
  const text = asOptionalText(value, 'mapping.externalId');
  if (typeof text !== 'string') return text;
  if (text.length > MAX_EXTERNAL_ID_LENGTH) {
    return new Problem(
      'max-length',
      `external_id is ${text.length} characters long; Kratos stores at most ${MAX_EXTERNAL_ID_LENGTH}`,
    );
  }
  // Looked up as `/admin/identities/by/external/<id>`: it must stay one path segment.
  const segment = pathSegmentProblem(text);
  if (segment) return new Problem('path-segment', `external_id ${segment}`);
  return text;
}
