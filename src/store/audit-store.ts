import type { Redis } from 'ioredis';
import { scrubSecrets } from '../config/secret.ts';
import type { AuditRange, ReportError } from '../domain/run-report.ts';
import { engineKeys } from './keys.ts';

/**
 * The audit trail: one entry per change kratos-sync applied or attempted — who
 * (source + person key + identity id), what (action + changed field NAMES), when, in which run, and how it
 * ended. Never values: traits and metadata are personal data, and secrets never get here at all.
 *
 * Storage: a capped Redis stream per source (time-ordered, trimmed approximately at `maxEntries`) plus, per
 * person, a capped list of that person's stream ids (newest first). A run records the span of stream ids
 * it wrote (`RunReport.auditRanges`), so its entries are read back without a per-run copy.
 */
export interface AuditEntry {
  at: string;
  runId: string;
  source: string;
  key: string;
  identityId?: string;
  action: string;
  changed: string[];
  outcome: 'applied' | 'failed';
  error?: ReportError;
  /** Who asked for the change when a person did (an undo: `cli:<user>`, `console:<user>`). */
  by?: string;
}

export interface AuditStoreOptions {
  /** Entries kept per source stream (approximate trim). @defaultValue 200 000 */
  maxEntries?: number;
  /** Entries kept per person. @defaultValue 100 */
  maxPerPerson?: number;
}

export interface AuditWriter {
  /** Appends the entries (one round trip per call); returns the stream-id span written, or null. */
  record(entries: AuditEntry[]): Promise<AuditRange | null>;
}

// One round trip per slice: XADD each entry, then push its id onto the person's capped list. Redis < 7 needs
// effects replication for XADD's generated ids inside a script; Redis 7 does it always.
const RECORD_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local first, last
local keep = tonumber(ARGV[2]) - 1
for i = 3, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(cjson.decode(ARGV[i])))
  redis.call('LPUSH', KEYS[i - 1], id)
  redis.call('LTRIM', KEYS[i - 1], 0, keep)
  first = first or id
  last = id
end
return { first, last }`;

/** Entries per script call: big enough to amortise the round trip, small enough not to block Redis. */
const SLICE = 500;

export function createAuditWriter(
  redis: Redis,
  prefix: string,
  options: AuditStoreOptions = {},
): AuditWriter {
  const keys = engineKeys(prefix);
  const maxEntries = options.maxEntries ?? 200_000;
  const maxPerPerson = options.maxPerPerson ?? 100;
  return {
    async record(entries) {
      let range = null as AuditRange | null;
      for (const [source, ofSource] of groupBySource(entries)) {
        for (let start = 0; start < ofSource.length; start += SLICE) {
          const slice = ofSource.slice(start, start + SLICE);
          const personKeys = slice.map((entry) => keys.auditPerson(source, entry.key));
          const [from, to] = (await redis.eval(
            RECORD_SCRIPT,
            1 + personKeys.length,
            keys.auditStream(source),
            ...personKeys,
            maxEntries,
            maxPerPerson,
            ...slice.map((entry) => scrubSecrets(JSON.stringify(toFields(entry)))),
          )) as [string, string];
          range = { from: range?.from ?? from, to };
        }
      }
      return range;
    },
  };
}

function groupBySource(entries: AuditEntry[]): Map<string, AuditEntry[]> {
  const groups = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const group = groups.get(entry.source);
    if (group) group.push(entry);
    else groups.set(entry.source, [entry]);
  }
  return groups;
}

/** A person's audit entries, newest first. */
export async function readAuditForPerson(
  redis: Redis,
  prefix: string,
  source: string,
  key: string,
  limit = 100,
): Promise<AuditEntry[]> {
  const keys = engineKeys(prefix);
  const ids = await redis.lrange(keys.auditPerson(source, key), 0, limit - 1);
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.xrange(keys.auditStream(source), id, id);
  const results = (await pipeline.exec()) ?? [];
  const entries: AuditEntry[] = [];
  for (const [err, rows] of results) {
    // A person's ids outlive trimmed stream entries; those are simply gone.
    const row = !err ? (rows as Array<[string, string[]]>)[0] : undefined;
    if (row) entries.push(fromFields(row[1]));
  }
  return entries;
}

/** The entries one run wrote, oldest first (read from its recorded stream spans, filtered by run id). */
export async function readAuditForRun(
  redis: Redis,
  prefix: string,
  run: { id: string; source: string; auditRanges: AuditRange[] },
  limit = 10_000,
): Promise<AuditEntry[]> {
  const stream = engineKeys(prefix).auditStream(run.source);
  const entries: AuditEntry[] = [];
  for (const range of run.auditRanges) {
    let start = range.from;
    for (;;) {
      const rows = (await redis.xrange(stream, start, range.to, 'COUNT', 1000)) as Array<[string, string[]]>;
      for (const [, fields] of rows) {
        const entry = fromFields(fields);
        if (entry.runId === run.id) entries.push(entry);
        if (entries.length >= limit) return entries;
      }
      if (rows.length < 1000) break;
      start = `(${rows.at(-1)![0]}`;
    }
  }
  return entries;
}

/** The newest entries of a source, newest first. */
export async function readRecentAudit(redis: Redis, prefix: string, source: string, limit = 100) {
  const rows = (await redis.xrevrange(
    engineKeys(prefix).auditStream(source),
    '+',
    '-',
    'COUNT',
    limit,
  )) as Array<[string, string[]]>;
  return rows.map(([, fields]) => fromFields(fields));
}

function toFields(entry: AuditEntry): string[] {
  // prettier-ignore
  const fields = [
    'at', entry.at,
    'run', entry.runId,
    'source', entry.source,
    'key', entry.key,
    'identity', entry.identityId ?? '',
    'action', entry.action,
    'changed', changedText(entry.changed),
    'outcome', entry.outcome,
  ];
  if (entry.error) fields.push('code', entry.error.code, 'message', entry.error.message);
  if (entry.by) fields.push('by', entry.by);
  return fields;
}

/** The last frozen `changed` list written, as JSON: the creates of a run share one (src/sync/apply.ts). */
let lastChanged: { list: string[]; text: string } | undefined;

function changedText(list: string[]): string {
  if (lastChanged?.list === list) return lastChanged.text;
  const text = JSON.stringify(list);
  // Only a frozen list is known not to have changed since it was last written.
  if (Object.isFrozen(list)) lastChanged = { list, text };
  return text;
}

function fromFields(flat: string[]): AuditEntry {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  const entry: AuditEntry = {
    at: map.get('at') ?? '',
    runId: map.get('run') ?? '',
    source: map.get('source') ?? '',
    key: map.get('key') ?? '',
    action: map.get('action') ?? '',
    changed: parseChanged(map.get('changed')),
    outcome: map.get('outcome') === 'failed' ? 'failed' : 'applied',
  };
  const identityId = map.get('identity');
  if (identityId) entry.identityId = identityId;
  const by = map.get('by');
  if (by) entry.by = by;
  const code = map.get('code');
  if (code) entry.error = { code, message: map.get('message') ?? '' };
  return entry;
}

function parseChanged(raw: string | undefined): string[] {
  try {
    const value: unknown = JSON.parse(raw ?? '[]');
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}
