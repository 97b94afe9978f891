import { maskPersonalData, REDACTED } from './text';

const MAX_DEPTH = 8;
const SECRET_KEY =
  /(?:passw(?:or)?d|passphrase|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|signature)$/i;

/**
 * Returns a copy of `value` with every string passed through {@link maskPersonalData} and the
 * values of secret-named keys (`password`, `*Token`, `*Secret`, `authorization`...) redacted.
 * Unchanged subtrees are returned as-is; cycles become `[Circular]`, deep nesting `[Truncated]`.
 */
export function maskDeep(value: unknown): unknown {
  return walk(value, 0, new Set<object>());
}

function walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (isOpaque(value)) return value;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return walkArray(value, depth, ancestors);
    if (value instanceof Error) return maskError(value, depth, ancestors);
    if (hasToJson(value)) return walk(value.toJSON(), depth + 1, ancestors);
    return walkObject(value as Record<string, unknown>, depth, ancestors);
  } catch {
    return '[Unserializable]';
  } finally {
    ancestors.delete(value);
  }
}

function walkArray(arr: unknown[], depth: number, ancestors: Set<object>): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const v: unknown = arr[i];
    const m = walk(v, depth + 1, ancestors);
    if (m !== v && out === undefined) out = arr.slice(0, i);
    if (out !== undefined) out.push(m);
  }
  return out ?? arr;
}

function walkObject(
  obj: Record<string, unknown>,
  depth: number,
  ancestors: Set<object>,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(obj);
  keys.forEach((key, i) => {
    const v = obj[key];
    const m = maskEntry(key, v, depth, ancestors);
    if (m !== v && out === undefined) {
      out = {};
      for (const prev of keys.slice(0, i)) setOwn(out, prev, obj[prev]);
    }
    if (out !== undefined) setOwn(out, key, m);
  });
  return out ?? obj;
}

function maskEntry(key: string, v: unknown, depth: number, ancestors: Set<object>): unknown {
  if (v !== undefined && v !== null && SECRET_KEY.test(key)) return REDACTED;
  return walk(v, depth + 1, ancestors);
}

// A copy on the same prototype, so `instanceof`, the class name and pino's err serializer still work.
function maskError(err: Error, depth: number, ancestors: Set<object>): Error {
  const out = Object.create(Object.getPrototypeOf(err) as object | null) as Error;
  const hidden = (key: string, v: unknown): void => {
    Object.defineProperty(out, key, { value: v, writable: true, configurable: true });
  };
  hidden('message', maskPersonalData(String(err.message)));
  if (typeof err.stack === 'string') hidden('stack', maskPersonalData(err.stack));
  if (err.cause !== undefined) hidden('cause', walk(err.cause, depth + 1, ancestors));
  const errors: unknown = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) hidden('errors', walk(errors, depth + 1, ancestors));
  for (const key of Object.keys(err)) {
    setOwn(
      out as unknown as Record<string, unknown>,
      key,
      maskEntry(key, readKey(err, key), depth, ancestors),
    );
  }
  return out;
}

function readKey(obj: object, key: string): unknown {
  return (obj as Record<string, unknown>)[key];
}

function setOwn(target: Record<string, unknown>, key: string, v: unknown): void {
  // A plain assignment to "__proto__" would swap the prototype instead of adding a key.
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = v;
  }
}

function isOpaque(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Map ||
    value instanceof Set ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer
  );
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
