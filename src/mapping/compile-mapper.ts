import { MAPPING_VALUE_FIELDS } from '../config/expression-fields.ts';
import { ConfigError } from '../config/config-error.ts';
import type { LeaverConfig, MappingConfig } from '../config/sections/source.ts';
import { MARKER_FIELD } from '../domain/ownership-marker.ts';
import type { DesiredIdentity, QuarantinedRecord } from '../domain/plan.ts';
import type { JsonObject } from '../domain/identity.ts';
import { sourceLine, sourceRowError, type SourceRecord } from '../sources/types.ts';
import { compileExpression, type CompiledExpression } from './expression.ts';
import { normalizeKey, readDottedPath } from './field-path.ts';
import { createCachedIdentitySchemas } from './cached-identity-schemas.ts';
import {
  asBoolean,
  asExternalId,
  asObject,
  asOptionalText,
  asSchemaId,
  asState,
  Problem,
  typeName,
} from './record-values.ts';
import { createTerminationClock, isValidTimeZone, type TerminationClock } from './termination.ts';
import type { Mapper, MappingResult } from './types.ts';
import type { ValidatorCache } from './validator-cache.ts';

export interface CompileMapperOptions {
  sourceName: string;
  mapping: MappingConfig;
  leaver: LeaverConfig;
  /** Identity schemas by id, as Kratos serves them (GET /schemas). */
  schemas: ReadonlyMap<string, JsonObject>;
  /** Where compiled schema validators are kept between processes; `null` for nowhere. Default: the user's cache. */
  validatorCache?: ValidatorCache | null;
}

type ExpressionField = (typeof MAPPING_VALUE_FIELDS)[number] | 'when' | 'terminationDate';
type Values = Partial<Record<ExpressionField, unknown>>;

/**
 * Compiles a source's mapping once, at start-up: every JSONata expression (a syntax error is a ConfigError
 * naming `sources.<name>.mapping.<field>`), the leaver rules and the identity schemas. `map` then turns one
 * record into a desired identity — or an out-of-scope verdict, or a quarantine entry that says which record,
 * which field, which rule, without repeating the record's values.
 */
export function compileMapper(options: CompileMapperOptions): Mapper {
  const { sourceName, mapping, leaver } = options;
  const prefix = `sources.${sourceName}`;
  if (!isValidTimeZone(leaver.timeZone)) {
    throw new ConfigError(
      `${prefix}.leaver.timeZone: "${leaver.timeZone}" is not an IANA time zone (e.g. Europe/Berlin)`,
    );
  }
  const scope =
    mapping.scope === undefined ? undefined : compileExpression(`${prefix}.mapping.scope`, mapping.scope);
  const expressions: Array<readonly [ExpressionField, CompiledExpression]> = [];
  for (const field of MAPPING_VALUE_FIELDS) {
    const text = mapping[field];
    if (text !== undefined) expressions.push([field, compileExpression(`${prefix}.mapping.${field}`, text)]);
  }
  if (leaver.when !== undefined) {
    expressions.push(['when', compileExpression(`${prefix}.leaver.when`, leaver.when)]);
  }
  if (leaver.terminationDate !== undefined) {
    const path = `${prefix}.leaver.terminationDate`;
    expressions.push(['terminationDate', compileExpression(path, leaver.terminationDate)]);
  }
  const keyPath = mapping.key.split('.');
  const createOnly = ownedParts(mapping);
  const schemas = createCachedIdentitySchemas(
    options.schemas,
    options.validatorCache === undefined ? {} : { cache: options.validatorCache },
  );
  const termination = createTerminationClock(leaver.timeZone);
  const keyOf = (record: SourceRecord) => normalizeKey(readDottedPath(record, keyPath));

  const quarantine = (
    record: SourceRecord,
    key: string,
    field: string | undefined,
    problem: Problem,
  ): MappingResult => {
    const line = sourceLine(record);
    const entry: QuarantinedRecord = {
      key,
      rule: problem.rule,
      message: line === undefined ? problem.message : `line ${line}: ${problem.message}`,
    };
    if (field !== undefined) entry.field = field;
    return { ok: false, quarantine: entry };
  };

  async function map(record: SourceRecord, position: number, now: Date): Promise<MappingResult> {
    const rowError = sourceRowError(record);
    if (rowError !== undefined) {
      // The source has already said what is wrong (and with which line); its message names no values.
      return {
        ok: false,
        quarantine: {
          key: rowError.key ?? keyOf(record) ?? `#${position}`,
          rule: rowError.rule,
          message: rowError.message,
        },
      };
    }
    const key = keyOf(record);
    if (key === undefined) {
      return quarantine(
        record,
        `#${position}`,
        mapping.key,
        new Problem('missing-key', `the key field "${mapping.key}" is missing or empty`),
      );
    }
    if (scope !== undefined) {
      const evaluated = scope.evaluate(record);
      const inScope = evaluated instanceof Promise ? await settle(scope, evaluated) : evaluated;
      if (inScope instanceof Problem) return quarantine(record, key, 'mapping.scope', inScope);
      const verdict = asBoolean(inScope, 'mapping.scope', null);
      if (verdict instanceof Problem) return quarantine(record, key, 'mapping.scope', verdict);
      if (!verdict) return { ok: 'out-of-scope', key };
    }
    const evaluated = evaluateAll(expressions, record);
    const values = evaluated instanceof Promise ? await evaluated : evaluated;
    if (values instanceof FieldProblem) return quarantine(record, key, values.field, values.problem);
    const built = buildDesired(key, values, mapping, createOnly, now, termination);
    if (built instanceof FieldProblem) return quarantine(record, key, built.field, built.problem);
    const checking = schemas.check(built.schemaId, built.traits);
    const checked = checking instanceof Promise ? await checking : checking;
    // HR systems often blank a leaver's fields. Their traits are never written (the plan only offboards
    // them), and quarantining them would keep them from losing access — so a leaver's schema problems
    // are not a reason to hold them back. With policy `ignore` their traits are written: check as usual.
    const offboardOnly = built.leaver && leaver.policy !== 'ignore';
    if (checked.violation !== undefined && !offboardOnly) {
      const { field, rule, message } = checked.violation;
      return quarantine(record, key, field, new Problem(rule, message));
    }
    if (checked.email !== undefined) built.email = checked.email;
    return { ok: true, desired: built, record };
  }

  return { keyOf, map };
}

/**
 * A metadata field the mapping does not mention is not kratos-sync's to manage: it is written on create (as
 * null, plus the marker) and left as it is afterwards — other tools' `metadata_admin` keys survive every
 * run. That is exactly the `createOnly` rule, so unmapped metadata joins the configured create-only parts.
 */
function ownedParts(mapping: MappingConfig): DesiredIdentity['createOnly'] {
  const parts = new Set(mapping.createOnly);
  if (mapping.metadataPublic === undefined) parts.add('metadataPublic');
  if (mapping.metadataAdmin === undefined) parts.add('metadataAdmin');
  return [...parts];
}

class FieldProblem {
  readonly field: string;
  readonly problem: Problem;
  constructor(field: string, problem: Problem) {
    this.field = field;
    this.problem = problem;
  }
}

async function settle(expression: CompiledExpression, evaluation: Promise<unknown>): Promise<unknown> {
  try {
    return await evaluation;
  } catch (err) {
    return expressionProblem(expression, err);
  }
}

function expressionProblem(expression: CompiledExpression, err: unknown): Problem {
  const reason = err instanceof Error ? err.message : String(err);
  return new Problem('expression-error', `${configField(expression)} failed: ${reason}`);
}

/**
 * Every expression for one record. When all of them answered synchronously (the fast path) the result is
 * returned as is — no Promise, no microtask: at 100k records each await is measurable.
 */
function evaluateAll(
  expressions: ReadonlyArray<readonly [ExpressionField, CompiledExpression]>,
  record: SourceRecord,
): Values | FieldProblem | Promise<Values | FieldProblem> {
  const values: Values = {};
  let pending: Array<Promise<void>> | undefined;
  // Indexed by expression order, so which failure is reported never depends on which settled first.
  let failures: Array<FieldProblem | undefined> | undefined;
  for (let at = 0; at < expressions.length; at++) {
    const [field, expression] = expressions[at]!;
    const value = expression.evaluate(record);
    if (!(value instanceof Promise)) {
      values[field] = value;
      continue;
    }
    const settled = value.then(
      (result: unknown) => {
        values[field] = result;
      },
      (err: unknown) => {
        (failures ??= [])[at] = new FieldProblem(configField(expression), expressionProblem(expression, err));
      },
    );
    (pending ??= []).push(settled);
  }
  if (pending === undefined) return values;
  return Promise.all(pending).then(() => failures?.find((failure) => failure !== undefined) ?? values);
}

/** `sources.hr.mapping.traits` → `mapping.traits` (the part of the config path a record problem points at). */
function configField(expression: CompiledExpression): string {
  return expression.configPath.split('.').slice(2).join('.');
}

function buildDesired(
  key: string,
  values: Values,
  mapping: MappingConfig,
  createOnly: DesiredIdentity['createOnly'],
  now: Date,
  termination: TerminationClock,
): DesiredIdentity | FieldProblem {
  const schemaId = asSchemaId(values.schemaId);
  if (schemaId instanceof Problem) return new FieldProblem('schema_id', schemaId);
  const traits = asObject(values.traits, 'mapping.traits', false);
  if (traits instanceof Problem || traits === null)
    return new FieldProblem('traits', traits ?? new Problem('type', 'no traits'));
  const metadataPublic = asObject(values.metadataPublic, 'mapping.metadataPublic', true);
  if (metadataPublic instanceof Problem) return new FieldProblem('metadata_public', metadataPublic);
  const metadataAdmin = asObject(values.metadataAdmin, 'mapping.metadataAdmin', true);
  if (metadataAdmin instanceof Problem) return new FieldProblem('metadata_admin', metadataAdmin);
  if (metadataAdmin !== null && MARKER_FIELD in metadataAdmin) {
    return new FieldProblem(
      `metadata_admin.${MARKER_FIELD}`,
      new Problem(
        'reserved',
        `metadata_admin.${MARKER_FIELD} is kratos-sync's ownership marker; map to another key`,
      ),
    );
  }
  let state = asState(values.state);
  if (state instanceof Problem) return new FieldProblem('state', state);
  const externalId = asExternalId(values.externalId);
  if (externalId instanceof Problem) return new FieldProblem('external_id', externalId);
  const version = asOptionalText(values.version, 'mapping.version');
  if (version instanceof Problem) return new FieldProblem('version', version);
  const leaver = isLeaver(values, now, termination);
  if (leaver instanceof FieldProblem) return leaver;
  if (leaver) state = 'inactive';
  const desired: DesiredIdentity = {
    key,
    schemaId,
    traits,
    metadataPublic,
    metadataAdmin,
    state,
    leaver,
    createOnly,
    createOnlyTraits: mapping.createOnlyTraits,
  };
  if (externalId !== undefined) desired.externalId = externalId;
  if (version !== undefined) desired.version = version;
  const leftAt = leaver ? terminationInstant(values, termination) : undefined;
  if (leftAt !== undefined) desired.leftAt = leftAt;
  return desired;
}

/** A leaver's termination date as an ISO instant, when the record gives one that parses (for receipts). */
function terminationInstant(values: Values, termination: TerminationClock): string | undefined {
  const date = values.terminationDate;
  if (typeof date !== 'string' || date.trim() === '') return undefined;
  const at = termination.effectiveAt(date);
  return at === 'invalid' ? undefined : new Date(at).toISOString();
}

function isLeaver(values: Values, now: Date, termination: TerminationClock): boolean | FieldProblem {
  const when = asBoolean(values.when, 'leaver.when', false);
  if (when instanceof Problem) return new FieldProblem('leaver.when', when);
  if (when) return true;
  const date = values.terminationDate;
  if (date === undefined || date === null || date === '') return false;
  if (typeof date !== 'string') {
    return new FieldProblem(
      'leaver.terminationDate',
      new Problem('type', `leaver.terminationDate must evaluate to an ISO date, got ${typeName(date)}`),
    );
  }
  const passed = termination.hasPassed(date, now);
  if (passed === 'invalid') {
    return new FieldProblem(
      'leaver.terminationDate',
      new Problem('format:date', 'leaver.terminationDate is not an ISO date (YYYY-MM-DD) or date-time'),
    );
  }
  return passed;
}
