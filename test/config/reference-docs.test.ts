import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.ts';

type JsonSchemaNode = {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
};

/** Every leaf option of the configuration, as README writes it (`sources.<name>.leaver.policy`). */
function optionPaths(node: JsonSchemaNode, prefix: string, out: Set<string>): Set<string> {
  const alternatives = node.anyOf ?? node.oneOf;
  // A secret option is a string or { fromEnv } or { fromFile }: the option itself is the leaf.
  const isSecret = alternatives?.some((alt) => alt.properties && 'fromEnv' in alt.properties);
  if (alternatives && !isSecret) {
    for (const alt of alternatives) optionPaths(alt, prefix, out);
  } else if (!isSecret && node.type === 'object' && node.properties) {
    for (const [key, child] of Object.entries(node.properties))
      optionPaths(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (
    !isSecret &&
    node.type === 'object' &&
    typeof node.additionalProperties === 'object' &&
    node.additionalProperties.properties
  ) {
    optionPaths(node.additionalProperties, `${prefix}.<name>`, out);
  } else {
    out.add(prefix);
  }
  return out;
}

describe('configuration reference', () => {
  it('documents every option the schema accepts, and no option it does not', () => {
    const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
    const paths = optionPaths(schema, '', new Set());
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([a-zA-Z.<>]+)`/gm)].map((m) => m[1]!));
    const undocumented = [...paths].filter((p) => !documented.has(p));
    const stale = [...documented].filter(
      (p) => !paths.has(p) && /^(kratos|redis|sources|delivery|queue|http|log|notify|undo)\./.test(p),
    );
    expect(paths.size).toBeGreaterThan(50);
    expect(undocumented).toEqual([]);
    expect(stale).toEqual([]);
  });
});
