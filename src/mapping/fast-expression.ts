/**
 * A small compiler for the JSONata shapes mappings are made of — field paths, string/number literals,
 * object constructors, `? :` conditions, `=` `!=` `<` `&` `and` `or`, and `$lowercase` `$uppercase`
 * `$trim` `$string` `$exists` `$not` — into plain synchronous closures.
 *
 * Why: JSONata 2's `evaluate` is async and costs 5–35 µs per expression; a typical mapping has six of them
 * and a no-op reconcile of 100k people must run at ≥ 10k people/s on two cores.
 *
 * Safety: the closures mirror JSONata semantics only for plain scalars. Whenever a value is something they do
 * not model (an array — JSONata's sequence semantics —, a nested object, a number that JSONata would format
 * differently, an operand JSONata would reject), they return `BAIL` and the caller evaluates the record with
 * real JSONata. A differential property test (test/mapping/fast-expression.test.ts) holds the two together.
 */

export const BAIL: unique symbol = Symbol('bail to JSONata');
export type FastResult = unknown;
export type FastExpression = (input: Record<string, unknown>) => FastResult;

/** The parts of a JSONata AST node this compiler reads (the AST is JSONata's, from `expression.ast()`). */
export interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  steps?: AstNode[];
  lhs?: AstNode | AstNode[][];
  rhs?: AstNode;
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
  procedure?: AstNode;
  arguments?: AstNode[];
  expressions?: AstNode[];
  [other: string]: unknown;
}

/** A closure for `ast`, or null when the expression uses anything outside the supported subset. */
export function compileFast(ast: AstNode): FastExpression | null {
  try {
    return compileNode(ast);
  } catch (err) {
    if (err === UNSUPPORTED) return null;
    throw err;
  }
}

const UNSUPPORTED = Symbol('unsupported');

/** Any key beyond `allowed` (a predicate, a focus binding, a sort stage …) means "not ours". */
function only(node: AstNode, allowed: readonly string[]): void {
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'position' || node[key] === undefined) continue;
    if (!allowed.includes(key)) throw UNSUPPORTED;
  }
}

function compileNode(node: AstNode): FastExpression {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      only(node, ['value']);
      const value = node.value;
      if (typeof value === 'number' && !Number.isFinite(value)) throw UNSUPPORTED;
      return () => value;
    }
    case 'path':
      return compilePath(node);
    case 'unary':
      if (node.value !== '{') throw UNSUPPORTED;
      return compileObject(node);
    case 'condition':
      return compileCondition(node);
    case 'binary':
      return compileBinary(node);
    case 'function':
      return compileFunction(node);
    case 'block': {
      only(node, ['expressions']);
      if (node.expressions?.length !== 1 || node.expressions[0] === undefined) throw UNSUPPORTED;
      return compileNode(node.expressions[0]);
    }
    default:
      throw UNSUPPORTED;
  }
}

function compilePath(node: AstNode): FastExpression {
  only(node, ['steps']);
  const names = (node.steps ?? []).map((step) => {
    only(step, ['value']);
    if (step.type !== 'name' || typeof step.value !== 'string') throw UNSUPPORTED;
    return step.value;
  });
  if (names.length === 0) throw UNSUPPORTED;
  if (names.length === 1) {
    const name = names[0]!;
    return (input) => scalarOrBail(input[name]);
  }
  return (input) => {
    let value: unknown = input;
    for (const name of names) {
      if (typeof value !== 'object' || value === null) return typeof value === 'function' ? BAIL : undefined;
      if (Array.isArray(value)) return BAIL;
      value = (value as Record<string, unknown>)[name];
    }
    return scalarOrBail(value);
  };
}

/**
 * A field value the closures can pass on as JSONata would. Arrays (sequence flattening) and objects (JSONata
 * returns them by reference; they may hold anything) go to JSONata. So do functions: on a plain object the only
 * inherited properties are Object.prototype's methods, so this also keeps `constructor` & co. out.
 */
function scalarOrBail(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : BAIL;
    case 'object':
      return value === null ? null : BAIL;
    default:
      return BAIL;
  }
}

function compileObject(node: AstNode): FastExpression {
  only(node, ['value', 'lhs']);
  const pairs = node.lhs;
  if (!Array.isArray(pairs)) throw UNSUPPORTED;
  const keys: string[] = [];
  const values: FastExpression[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) throw UNSUPPORTED;
    const [keyNode, valueNode] = pair as [AstNode, AstNode];
    only(keyNode, ['value']);
    if (keyNode.type !== 'string' || typeof keyNode.value !== 'string') throw UNSUPPORTED;
    if (keys.includes(keyNode.value)) throw UNSUPPORTED; // JSONata reports D1009: let it
    keys.push(keyNode.value);
    values.push(compileNode(valueNode));
  }
  return (input) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]!(input);
      if (value === BAIL) return BAIL;
      if (value !== undefined) out[keys[i]!] = value;
    }
    return out;
  };
}

function compileCondition(node: AstNode): FastExpression {
  only(node, ['condition', 'then', 'else']);
  if (node.condition === undefined || node.then === undefined) throw UNSUPPORTED;
  const condition = compileNode(node.condition);
  const then = compileNode(node.then);
  const otherwise = node.else === undefined ? undefined : compileNode(node.else);
  return (input) => {
    const test = truthy(condition(input));
    if (test === BAIL) return BAIL;
    if (test) return then(input);
    return otherwise === undefined ? undefined : otherwise(input);
  };
}

/** JSONata's `$boolean` for scalars (undefined counts as false, as in conditions and `and`/`or`). */
function truthy(value: unknown): boolean | typeof BAIL {
  if (value === BAIL) return BAIL;
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  return BAIL;
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function compileBinary(node: AstNode): FastExpression {
  only(node, ['value', 'lhs', 'rhs']);
  if (node.lhs === undefined || Array.isArray(node.lhs) || node.rhs === undefined) throw UNSUPPORTED;
  const lhs = compileNode(node.lhs);
  const rhs = compileNode(node.rhs);
  switch (node.value) {
    case '=':
    case '!=': {
      const negate = node.value === '!=';
      return (input) => {
        const a = lhs(input);
        const b = rhs(input);
        if (a === BAIL || b === BAIL) return BAIL;
        if (a === undefined || b === undefined) return false; // JSONata: either side missing → false
        if (!isScalar(a) || !isScalar(b)) return BAIL;
        return negate ? a !== b : a === b;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(node.value, lhs, rhs);
    case '&':
      return (input) => {
        const a = concatPart(lhs(input));
        if (a === BAIL) return BAIL;
        const b = concatPart(rhs(input));
        if (b === BAIL) return BAIL;
        return a + b;
      };
    case 'and':
    case 'or': {
      const isAnd = node.value === 'and';
      return (input) => {
        const a = truthy(lhs(input));
        if (a === BAIL) return BAIL;
        if (isAnd ? !a : a) return a; // JSONata short-circuits the right-hand side
        return truthy(rhs(input));
      };
    }
    default:
      throw UNSUPPORTED;
  }
}

function compileComparison(op: string, lhs: FastExpression, rhs: FastExpression): FastExpression {
  return (input) => {
    const a = lhs(input);
    const b = rhs(input);
    if (a === BAIL || b === BAIL) return BAIL;
    const ta = typeof a;
    const tb = typeof b;
    if (
      (ta !== 'string' && ta !== 'number' && ta !== 'undefined') ||
      (tb !== 'string' && tb !== 'number' && tb !== 'undefined')
    ) {
      return BAIL; // JSONata throws T2010: let it say so
    }
    if (a === undefined || b === undefined) return undefined;
    if (ta !== tb) return BAIL; // T2009
    const x = a as string | number;
    const y = b as string | number;
    return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  };
}

/** A `&` operand as JSONata's `$string` would render it, for the values where that is unambiguous. */
function concatPart(value: unknown): string | typeof BAIL {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return BAIL;
}

const STRING_FUNCTIONS: Record<string, (value: string) => string> = {
  lowercase: (value) => value.toLowerCase(),
  uppercase: (value) => value.toUpperCase(),
  // JSONata's $trim also collapses inner runs of whitespace into one space.
  trim: (value) =>
    value
      .replace(/[ \t\n\r]+/gm, ' ')
      .replace(/^ /, '')
      .replace(/ $/, ''),
};

function compileFunction(node: AstNode): FastExpression {
  only(node, ['value', 'procedure', 'arguments']);
  const procedure = node.procedure;
  if (node.value !== '(' || procedure === undefined || procedure.type !== 'variable') throw UNSUPPORTED;
  only(procedure, ['value']);
  const args = node.arguments ?? [];
  if (args.length !== 1 || args[0] === undefined) throw UNSUPPORTED;
  const arg = compileNode(args[0]);
  const name = procedure.value;
  if (typeof name === 'string' && Object.hasOwn(STRING_FUNCTIONS, name)) {
    const fn = STRING_FUNCTIONS[name]!;
    return (input) => {
      const value = arg(input);
      if (value === undefined || value === BAIL) return value;
      return typeof value === 'string' ? fn(value) : BAIL; // JSONata: T0410 signature mismatch
    };
  }
  switch (name) {
    case 'string':
      return (input) => {
        const value = arg(input);
        if (value === undefined || value === BAIL) return value;
        return concatPart(value);
      };
    case 'exists':
      return (input) => {
        const value = arg(input);
        return value === BAIL ? BAIL : value !== undefined;
      };
    case 'not':
      return (input) => {
        const value = arg(input);
        if (value === undefined || value === BAIL) return value;
        const test = truthy(value);
        return test === BAIL ? BAIL : !test;
      };
    default:
      throw UNSUPPORTED;
  }
}
