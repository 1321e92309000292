import type { JsonObject } from './types.ts';

/**
 * A tiny imitation of Go's `encoding/json` decoder with `DisallowUnknownFields`, which Kratos uses for
 * POST and batch PATCH `/admin/identities` (ory/x `jsonx.NewStrictDecoder`): unknown fields anywhere in the typed part
 * of the body are errors, field names match case-insensitively, `null` leaves a field at its zero value,
 * and the error texts follow Go's.
 */
export type FieldSpec =
  | { kind: 'string' | 'bool' | 'raw' | 'uuid' | 'time' }
  | { kind: 'struct'; goName: string; fields: Record<string, FieldSpec> }
  | { kind: 'array'; goName: string; of: FieldSpec };

export const str: FieldSpec = { kind: 'string' };
export const bool: FieldSpec = { kind: 'bool' };
export const raw: FieldSpec = { kind: 'raw' };
export const uuid: FieldSpec = { kind: 'uuid' };
export const time: FieldSpec = { kind: 'time' };
export const struct = (goName: string, fields: Record<string, FieldSpec>): FieldSpec => ({
  kind: 'struct',
  goName,
  fields,
});
export const array = (goName: string, of: FieldSpec): FieldSpec => ({ kind: 'array', goName, of });

export class GoDecodeError extends Error {
  override name = 'GoDecodeError';
}

/** Go's `http.MaxBytesReader` error, met by whichever decoder reads an oversized body. */
export class BodyTooLargeError extends GoDecodeError {
  override name = 'BodyTooLargeError';
  constructor() {
    super('http: request body too large');
  }
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** Parses `text` and checks it against `spec`; returns the value with field names in canonical case. */
export function strictDecode(text: string, spec: FieldSpec & { kind: 'struct' }): JsonObject {
  if (text.trim() === '') throw new GoDecodeError('EOF');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GoDecodeError(goSyntaxMessage(err as Error));
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new GoDecodeError(
      `json: cannot unmarshal ${jsonKind(parsed)} into Go value of type ${spec.goName}`,
    );
  return decodeStruct(parsed as JsonObject, spec, spec.goName.split('.').pop()!);
}

function decodeStruct(obj: JsonObject, spec: FieldSpec & { kind: 'struct' }, path: string): JsonObject {
  const byLower = new Map(Object.keys(spec.fields).map((k) => [k.toLowerCase(), k]));
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    const canonical = byLower.get(key.toLowerCase());
    if (canonical === undefined) throw new GoDecodeError(`json: unknown field "${key}"`);
    out[canonical] = decodeValue(value, spec.fields[canonical]!, `${path}.${canonical}`);
  }
  return out;
}

function decodeValue(value: unknown, spec: FieldSpec, path: string): unknown {
  if (spec.kind === 'raw') return value;
  if (value === null) return null;
  const mismatch = (goType: string): GoDecodeError =>
    new GoDecodeError(
      `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${path} of type ${goType}`,
    );
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') throw mismatch('string');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw mismatch('bool');
      return value;
    case 'uuid':
      if (typeof value !== 'string') throw mismatch('uuid.UUID');
      if (!isUuid(value))
        throw new GoDecodeError(`uuid: incorrect UUID length ${value.length} in string "${value}"`);
      return value.toLowerCase();
    case 'time':
      if (typeof value !== 'string') throw mismatch('time.Time');
      if (Number.isNaN(Date.parse(value)))
        throw new GoDecodeError(
          `parsing time "\\"${value}\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse`,
        );
      return value;
    case 'struct':
      if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(spec.goName);
      return decodeStruct(value as JsonObject, spec, path);
    case 'array':
      if (!Array.isArray(value)) throw mismatch(spec.goName);
      return value.map((v) => decodeValue(v, spec.of, path));
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function goSyntaxMessage(err: Error): string {
  if (/Unexpected end|end of JSON/i.test(err.message)) return 'unexpected EOF';
  const m = /Unexpected token '?(.)'?/.exec(err.message);
  return m
    ? `invalid character '${m[1]}' looking for beginning of value`
    : 'invalid character looking for beginning of value';
}
