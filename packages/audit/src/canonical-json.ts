/**
 * Canonical JSON for hashing: object keys sorted (by UTF-16 code units, as Array#sort does),
 * no whitespace, arrays kept in order, strings and numbers as JSON.stringify writes them.
 * For the values an audit event holds (strings, finite numbers, booleans, null, arrays,
 * plain objects) this is the same text RFC 8785 (JCS) produces, so anyone can recompute a
 * hash with a JCS library. Anything that has no single stable text (undefined, NaN, Dates,
 * class instances) is refused rather than silently dropped: a dropped key would still hash,
 * and the hash would then vouch for less than the row holds.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item, i) => write(item, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonicalJson: ${path} is not a plain object`);
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} has unsupported type ${typeof value}`);
  }
}
