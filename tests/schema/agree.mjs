// Holds schemas/manifest.schema.json to the engine: for every manifest directory given, an
// independent validator (smol-toml + ajv) must reach the same verdict as `supctl validate`
// wherever the schema can decide. The engine's diagnostic codes say which problems the schema
// can see; reference and cross-resource rules are the engine's alone.
//
// usage: node agree.mjs SUPCTL SCHEMA DIR...
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import Ajv from 'ajv';
import { parse, TomlDate } from 'smol-toml';

// Problems a JSON Schema over one file can decide. Everything else needs the whole manifest.
const SCHEMA_CODES = new Set([
  'toml-syntax', 'invalid-utf8', 'too-deep', 'unknown-kind', 'unknown-attribute', 'missing-attribute',
  'wrong-type', 'out-of-range', 'invalid-value', 'invalid-name', 'plaintext-secret', 'invalid-set',
]);

const [supctl, schemaPath, ...dirs] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

// TOML to JSON with the TOML types kept apart: integers (BigInt) become JSON numbers; floats and
// date-times become objects that no schema position accepts, as no attribute takes them.
function toJson(value) {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return { '$toml_float': value };
  if (value instanceof TomlDate || value instanceof Date) return { '$toml_datetime': String(value) };
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

function schemaVerdict(dir) {
  const problems = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.toml')).sort()) {
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(join(dir, name)));
    } catch {
      problems.push(`${name}: not UTF-8`);
      continue;
    }
    let doc;
    try {
      doc = parse(text.replace(/^\uFEFF/, ''), { integersAsBigInt: true });
    } catch (e) {
      problems.push(`${name}: TOML: ${e.message.split('\n')[0]}`);
      continue;
    }
    if (!validate(toJson(doc))) {
      problems.push(...validate.errors.map((e) => `${name}: ${e.instancePath || '/'} ${e.message}`));
    }
  }
  return problems;
}

function engineVerdict(dir) {
  let stdout;
  try {
    stdout = execFileSync(supctl, ['validate', dir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (e) {
    stdout = e.stdout;
  }
  return JSON.parse(stdout).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

let passed = 0;
let failed = 0;
for (const dir of dirs) {
  const codes = engineVerdict(dir);
  const problems = schemaVerdict(dir);
  const decidable = codes.filter((c) => SCHEMA_CODES.has(c));
  const schemaRejects = problems.length > 0;
  const ok = decidable.length > 0 ? schemaRejects : !schemaRejects;
  if (ok) {
    passed++;
  } else {
    failed++;
    console.log(`DISAGREE ${dir}`);
    console.log(`  engine errors: ${codes.join(', ') || 'none'} (schema-decidable: ${decidable.join(', ') || 'none'})`);
    console.log(`  schema: ${schemaRejects ? 'rejects' : 'accepts'}${problems.length ? '\n    ' + problems.slice(0, 8).join('\n    ') : ''}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
