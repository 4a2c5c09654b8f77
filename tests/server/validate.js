// node validate.js SCHEMA_DIR SCHEMA DOC: validates the JSON file DOC against SCHEMA (a file name in
// SCHEMA_DIR; the other schemas there are loaded so that "$ref": "request.json" resolves). Exit 0 when valid,
// 1 with ajv's errors when not, 2 on a usage or file error.
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const [dir, name, docPath] = process.argv.slice(2);
if (!dir || !name || !docPath) {
  console.error('usage: node validate.js SCHEMA_DIR SCHEMA DOC');
  process.exit(2);
}
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);   // date-time and uri are checked, not ignored
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const schema = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  schema.$id = f;
  ajv.addSchema(schema, f);
}
const validate = ajv.getSchema(name);
if (!validate) {
  console.error('no schema ' + name);
  process.exit(2);
}
const doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));
if (validate(doc)) process.exit(0);
console.error(JSON.stringify(validate.errors, null, 2));
process.exit(1);
