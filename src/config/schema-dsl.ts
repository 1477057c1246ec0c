/**
 * A tiny declarative schema: enough to validate Herald's configuration with messages that name the
 * key, fill defaults, map env vars and flags, and generate docs/configuration.md from one source.
 */

interface Base {
  readonly doc: string;
  /** Environment variable that sets this key (scalars only). */
  readonly env?: string;
  /** Command-line flag that sets this key (scalars only), without the leading dashes. */
  readonly flag?: string;
}

export interface StringField extends Base {
  readonly kind: 'string';
  readonly default?: string;
  readonly optional?: boolean;
  readonly nonEmpty?: boolean;
}
export interface IntField extends Base {
  readonly kind: 'int';
  readonly default?: number;
  readonly optional?: boolean;
  readonly min?: number;
  readonly max?: number;
}
export interface BoolField extends Base {
  readonly kind: 'bool';
  readonly default?: boolean;
  readonly optional?: boolean;
}
export interface EnumField extends Base {
  readonly kind: 'enum';
  readonly values: readonly string[];
  readonly default?: string;
  readonly optional?: boolean;
}
export interface ObjectField extends Base {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Field>>;
  /** Absent objects stay absent instead of being filled with defaults. */
  readonly optional?: boolean;
  /** Free-form string map (e.g. HTTP headers): fields are ignored, values must be strings. */
  readonly stringMap?: boolean;
}
export interface ArrayField extends Base {
  readonly kind: 'array';
  readonly items: Field;
  readonly default?: readonly unknown[];
  readonly optional?: boolean;
}

export type Field = StringField | IntField | BoolField | EnumField | ObjectField | ArrayField;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Validates `value` against `field`, returning the value with defaults filled. Problems are collected. */
export function validateField(field: Field, value: unknown, path: string, problems: string[]): unknown {
  if (value === undefined) {
    if ('default' in field && field.default !== undefined) return structuredClone(field.default);
    if (field.kind === 'object' && !field.optional && !field.stringMap)
      return validateField(field, {}, path, problems);
    if (field.optional || field.kind === 'object') return undefined;
    problems.push(`${path}: is required (${field.doc})`);
    return undefined;
  }
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${path}: expected a string, got ${typeName(value)}`);
      else if (field.nonEmpty && value.length === 0) problems.push(`${path}: must not be empty`);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        problems.push(`${path}: expected an integer, got ${typeName(value)} (${JSON.stringify(value)})`);
      } else if (field.min !== undefined && value < field.min) {
        problems.push(`${path}: must be at least ${field.min}, got ${value}`);
      } else if (field.max !== undefined && value > field.max) {
        problems.push(`${path}: must be at most ${field.max}, got ${value}`);
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean')
        problems.push(`${path}: expected true or false, got ${typeName(value)}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !field.values.includes(value)) {
        problems.push(`${path}: expected one of ${field.values.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'array': {
      if (!Array.isArray(value)) {
        problems.push(`${path}: expected an array, got ${typeName(value)}`);
        return value;
      }
      return value.map((item, i) => validateField(field.items, item, `${path}[${i}]`, problems));
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${path}: expected an object, got ${typeName(value)}`);
        return value;
      }
      const obj = value as Record<string, unknown>;
      if (field.stringMap) {
        for (const [k, v] of Object.entries(obj)) {
          if (typeof v !== 'string') problems.push(`${path}.${k}: expected a string, got ${typeName(v)}`);
        }
        return { ...obj };
      }
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(obj)) {
        if (!(k in field.fields)) {
          const known = Object.keys(field.fields).join(', ');
          problems.push(`${path ? `${path}.` : ''}${k}: unknown key (expected one of: ${known})`);
        }
      }
      for (const [k, sub] of Object.entries(field.fields)) {
        const v = validateField(sub, obj[k], path ? `${path}.${k}` : k, problems);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
  }
}

/** Parses a string from env or a flag into the field's type; returns undefined and a problem if it cannot. */
export function coerceScalar(field: Field, raw: string, source: string, problems: string[]): unknown {
  switch (field.kind) {
    case 'string':
    case 'enum':
      return raw;
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n)) {
        problems.push(`${source}: expected an integer, got ${JSON.stringify(raw)}`);
        return undefined;
      }
      return n;
    }
    case 'bool':
      if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
      if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
      problems.push(`${source}: expected true or false, got ${JSON.stringify(raw)}`);
      return undefined;
    default:
      try {
        return JSON.parse(raw);
      } catch {
        problems.push(`${source}: expected JSON, got ${JSON.stringify(raw)}`);
        return undefined;
      }
  }
}

/** Visits every field with its dotted path, for env/flag mapping and docs generation. */
export function walkFields(field: Field, path: string, visit: (path: string, field: Field) => void): void {
  visit(path, field);
  if (field.kind === 'object' && !field.stringMap) {
    for (const [k, sub] of Object.entries(field.fields)) walkFields(sub, path ? `${path}.${k}` : k, visit);
  } else if (field.kind === 'array') {
    walkFields(field.items, `${path}[]`, visit);
  }
}
