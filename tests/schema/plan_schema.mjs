// Holds a schema (schemas/plan.schema.json, schemas/verify.schema.json) to what supctl writes: every file given must validate,
// with an independent validator (ajv).
//
// usage: node plan_schema.mjs SCHEMA FILE...
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';

const [schemaPath, ...files] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

let passed = 0;
let failed = 0;
for (const file of files) {
  let problems;
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    problems = validate(doc) ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
  } catch (e) {
    problems = [e.message.split('\n')[0]];
  }
  if (problems.length === 0) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${file}`);
    for (const p of problems.slice(0, 8)) console.log(`  ${p}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
