import type { DesiredIdentity } from '../domain/plan.ts';

/**
 * The desired people of a full sync, by key in source order, each kept as one JSON string until it is
 * compared. A mapped record is ~600 bytes of objects and strings on the heap; the same fields as one
 * one-byte string take about half that, and a reconcile holds every record from the end of the source read
 * until its identity is listed (300,000 people: live heap when listing starts 288 -> 242 MB).
 *
 * The string is an exact form, not a fingerprint: `get` gives back a record equal to the one stored (same
 * fields, same values, same key order), so every comparison sees what it saw before. A record that JSON
 * cannot carry exactly (a number JSON has no form for, an array hole, an unknown field) is kept as it is.
 */
export class CompactDesired {
  readonly #byKey = new Map<string, string | DesiredIdentity>();
  readonly #compactFrom: number;

  /**
   * `compactFrom`: how many records are kept as they are before the rest are kept compact (Infinity: none
   * is). Encoding and decoding cost ~2.5 µs of CPU per person, which a small source need not pay.
   */
  constructor(compactFrom = 0) {
    this.#compactFrom = compactFrom;
  }

  /** Adds or replaces the record for `person.key` (a replaced key keeps its place, as in a Map). */
  set(person: DesiredIdentity): void {
    const compact = this.#byKey.size >= this.#compactFrom ? encodeDesired(person) : undefined;
    this.#byKey.set(person.key, compact ?? person);
  }

  /** Holds `person` as it is from now on, letting go of its compact text (a create that keeps its record). */
  keepAsIs(person: DesiredIdentity): void {
    this.#byKey.set(person.key, person);
  }

  /** The record for `key`; of a compact one a fresh copy (changing it does not change what is stored). */
  get(key: string): DesiredIdentity | undefined {
    const kept = this.#byKey.get(key);
    return typeof kept === 'string' ? decodeDesired(key, kept) : kept;
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  delete(key: string): boolean {
    return this.#byKey.delete(key);
  }

  get size(): number {
    return this.#byKey.size;
  }

  keys(): IterableIterator<string> {
    return this.#byKey.keys();
  }

  clear(): void {
    this.#byKey.clear();
  }

  /** Every record, in the order first set. */
  *values(): IterableIterator<DesiredIdentity> {
    for (const [key, kept] of this.#byKey) yield typeof kept === 'string' ? decodeDesired(key, kept) : kept;
  }
}

/** The fields of a desired record, in the order the mapper sets them (decoding sets them in this order). */
export const DESIRED_FIELD_ORDER = [
  'key',
  'schemaId',
  'traits',
  'metadataPublic',
  'metadataAdmin',
  'state',
  'leaver',
  'createOnly',
  'createOnlyTraits',
  'externalId',
  'version',
  'leftAt',
  'email',
] as const;

const PLACE = new Map<string, number>(DESIRED_FIELD_ORDER.map((field, place) => [field, place]));

type Encoded = [
  schemaId: string,
  traits: DesiredIdentity['traits'],
  metadataPublic: DesiredIdentity['metadataPublic'],
  metadataAdmin: DesiredIdentity['metadataAdmin'],
  state: DesiredIdentity['state'],
  leaver: 0 | 1,
  createOnly: DesiredIdentity['createOnly'],
  createOnlyTraits: string[],
  externalId: string | null,
  version: string | null,
  leftAt: string | null,
  email: string | null,
];

/**
 * One JSON array of the record's values (field names are implied by position; the key is the map's), or
 * undefined when the record holds anything `JSON.parse(JSON.stringify(...))` would not give back as it is.
 */
export function encodeDesired(person: DesiredIdentity): string | undefined {
  let last = -1;
  for (const field in person) {
    // A field this encoding does not know, or fields in another order, would not come back the same.
    const place = PLACE.get(field);
    if (place === undefined || place < last) return undefined;
    last = place;
    // Absent and undefined read the same to every comparison, but would not come back as the same object.
    if ((person as unknown as Record<string, unknown>)[field] === undefined) return undefined;
  }
  if (typeof person.key !== 'string' || typeof person.schemaId !== 'string') return undefined;
  if (typeof person.state !== 'string' || typeof person.leaver !== 'boolean') return undefined;
  if (!isStringArray(person.createOnly) || !isStringArray(person.createOnlyTraits)) return undefined;
  for (const text of [person.externalId, person.version, person.leftAt, person.email]) {
    if (text !== undefined && typeof text !== 'string') return undefined;
  }
  if (
    !isExactJson(person.traits) ||
    !isExactJson(person.metadataPublic) ||
    !isExactJson(person.metadataAdmin)
  ) {
    return undefined;
  }
  const encoded: Encoded = [
    person.schemaId,
    person.traits,
    person.metadataPublic,
    person.metadataAdmin,
    person.state,
    person.leaver ? 1 : 0,
    person.createOnly,
    person.createOnlyTraits,
    person.externalId ?? null,
    person.version ?? null,
    person.leftAt ?? null,
    person.email ?? null,
  ];
  return JSON.stringify(encoded);
}

export function decodeDesired(key: string, text: string): DesiredIdentity {
  const [
    schemaId,
    traits,
    metadataPublic,
    metadataAdmin,
    state,
    leaver,
    createOnly,
    createOnlyTraits,
    externalId,
    version,
    leftAt,
    email,
  ] = JSON.parse(text) as Encoded;
  const person: DesiredIdentity = {
    key,
    schemaId,
    traits,
    metadataPublic,
    metadataAdmin,
    state,
    leaver: leaver === 1,
    createOnly,
    createOnlyTraits,
  };
  if (externalId !== null) person.externalId = externalId;
  if (version !== null) person.version = version;
  if (leftAt !== null) person.leftAt = leftAt;
  if (email !== null) person.email = email;
  return person;
}

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

/** True when JSON gives `value` back unchanged: plain objects and arrays of strings, finite numbers, booleans, null. */
function isExactJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        // JSON carries no property of an array but its elements.
        if (Object.keys(value).length !== value.length) return false;
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isExactJson(value[i])) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) if (!isExactJson((value as Record<string, unknown>)[key])) return false;
      return true;
    }
    default:
      return false;
  }
}
