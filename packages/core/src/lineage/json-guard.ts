/**
 * Checks that a value is plain JSON that PostgreSQL's jsonb will accept, before anything else
 * touches it: jsonb rejects `\u0000` and unpaired surrogates, and a single bad event must not
 * fail the whole batch at INSERT time. Iterative, so hostile nesting cannot blow the stack.
 */
import type { FieldIssue } from '../errors';
import { OL_LIMITS, capMessage } from './limits';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badString(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

interface Frame {
  readonly v: unknown;
  readonly depth: number;
  readonly parent: Frame | null;
  readonly key: string;
}

/** Dotted path of a frame, built only when a problem is reported. */
function pathOf(f: Frame): string {
  const keys: string[] = [];
  for (let x: Frame | null = f; x && x.parent; x = x.parent) keys.push(x.key);
  return keys.reverse().join('.');
}

/** The first problem found in `root` as plain JSON, or null when it is clean. */
export function jsonProblem(root: unknown): FieldIssue | null {
  const stack: Frame[] = [{ v: root, depth: 0, parent: null, key: '' }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const { v, depth } = f;
    if (depth > OL_LIMITS.maxJsonDepth) return { path: pathOf(f), message: `nesting ${capMessage('maxJsonDepth', depth)}` };
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: pathOf(f), message: 'is not a finite number' };
      continue;
    }
    if (typeof v === 'string') {
      const bad = badString(v);
      if (bad) return { path: pathOf(f), message: bad };
      continue;
    }
    if (typeof v !== 'object') return { path: pathOf(f), message: `is not a JSON value (${typeof v})` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, parent: f, key: String(i) });
      continue;
    }
    if (!isPlainObject(v)) return { path: pathOf(f), message: 'is not a plain JSON object' };
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      const bad = badString(k);
      if (bad) return { path: pathOf(f), message: `has a key that ${bad}` };
      stack.push({ v: (v as Record<string, unknown>)[k], depth: depth + 1, parent: f, key: k });
    }
  }
  return null;
}

/** UTF-8 byte length of a string without allocating an encoded copy. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
