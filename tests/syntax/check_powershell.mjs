// Checks the syntax of PowerShell scripts with tree-sitter-powershell, run through web-tree-sitter
// (WebAssembly: nothing native is compiled or loaded).
//
//   node check_powershell.mjs PATH...      every *.ps1 in the directories (recursively) and files given
//   node check_powershell.mjs --self-test  proves the check can fail: known-bad snippets must be
//                                          reported, known-good ones must not
//
// Prints each ERROR or MISSING node as `file:line:col: ERROR near '<text>'` (lines and columns
// 1-based) and a count. Exit 0: no errors; 1: errors (or a failed self-test); 2: a path does not
// exist, holds no *.ps1 at all, or the parser cannot be loaded — a check that checks nothing fails.
//
// The grammar is stricter than PowerShell in places (see tests/syntax/README.md): a fragment it
// rejects is rewritten into an equivalent form it accepts, so that the check stays a hard gate.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import v8 from "node:v8";

const require = createRequire(import.meta.url);

async function load_parser() {
  // V8 otherwise recompiles the 1 MB grammar with TurboFan in the background, and the process
  // cannot exit until that is done: 10-15 s of CPU for every run. The baseline compiler is fast enough.
  v8.setFlagsFromString("--liftoff-only");
  const { Language, Parser } = await import("web-tree-sitter");
  await Parser.init();
  const language = await Language.load(require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm"));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/// At most one line of at most 60 characters of `text`, for a message.
function excerpt(text) {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed;
}

/// The syntax errors of `source`: [{line, col, kind, near}], in source order, lines and columns 1-based.
function syntax_errors(parser, source) {
  const text = source.replace(/^\uFEFF/, "");
  const lines = text.split("\n");
  const tree = parser.parse(text);
  const found = [];
  const visit = (node) => {
    if (node.type === "ERROR" || node.isMissing) found.push(node);
    else if (node.hasError) for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  // A MISSING node of a hidden rule (e.g. `function { }`) is not among the visible children:
  // report the deepest node that still has an error.
  if (found.length === 0 && tree.rootNode.hasError) {
    let node = tree.rootNode;
    for (let next; (next = node.children.find((c) => c.hasError)); ) node = next;
    found.push(node);
  }
  const errors = found.map((node) => {
    const { row, column } = node.startPosition;  // 0-based; column in UTF-16 code units
    const line_text = lines[row] ?? "";
    const col = [...line_text.slice(0, column)].length + 1;
    const near = excerpt(node.text) || excerpt(line_text) || excerpt(lines[row - 1] ?? "");
    const kind = node.isMissing ? `MISSING '${node.type}'` : "ERROR";
    return { line: row + 1, col, kind, near };
  });
  tree.delete();
  return errors;
}

function format_error(file, e) {
  return `${file}:${e.line}:${e.col}: ${e.kind} near '${e.near}'`;
}

/// Every *.ps1 under `dir`, recursively, sorted so that output is deterministic.
function ps1_files_under(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...ps1_files_under(path));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith(".ps1")) out.push(path);
  }
  return out;
}

/// The files to check for each path given, or a usage error (exit 2).
function collect(paths) {
  const files = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return { error: `'${path}' does not exist` };
    }
    if (stat.isDirectory()) {
      const found = ps1_files_under(path);
      if (found.length === 0) return { error: `'${path}' holds no *.ps1 file: nothing to check` };
      files.push(...found);
    } else if (path.toLowerCase().endsWith(".ps1")) {
      files.push(path);
    } else {
      return { error: `'${path}' is not a *.ps1 file` };
    }
  }
  return { files };
}

function check_paths(parser, paths) {
  const { files, error } = collect(paths);
  if (error) {
    console.error(`check_powershell: ${error}`);
    return 2;
  }
  let count = 0;
  let failing = 0;
  for (const file of files) {
    const errors = syntax_errors(parser, readFileSync(file, "utf8"));
    const shown = relative(process.cwd(), file) || file;
    for (const e of errors) console.log(format_error(shown.startsWith("..") ? file : shown, e));
    count += errors.length;
    if (errors.length > 0) ++failing;
  }
  if (count > 0) {
    console.log(`${count} syntax error(s) in ${failing} of ${files.length} PowerShell file(s)`);
    return 1;
  }
  console.log(`${files.length} PowerShell file(s) checked: no syntax errors`);
  return 0;
}

// Known-bad snippets must each give at least one error; known-good ones none.
const kBad = [
  "if ($x {\n  'yes'\n}\n",                // an unclosed parenthesis
  "if ($x) {\n  'yes'\n",                  // a missing }
  "$s = \"never closed\n",                 // an unterminated string
  "$t = @{ A = 1\n",                       // an unclosed hashtable
  "function { }\n",                        // a MISSING node of a hidden rule
];
const kGood = [
  "if ($x) {\n  'yes'\n}\n",
  "$ErrorActionPreference = 'Stop'\ntry { Get-Item -Path 'HKLM:\\SOFTWARE' } catch { throw }\n",
  "$h = @{ Name = 'WsusService'; StartupType = 'Automatic' }\nSet-Service @h\n",
  "$doc = @'\nnot $expanded\n'@\n",
];

function self_test(parser) {
  let ok = true;
  for (const snippet of kBad) {
    const errors = syntax_errors(parser, snippet);
    if (errors.length === 0) {
      console.log(`FAIL: not reported: ${JSON.stringify(snippet)}`);
      ok = false;
    } else {
      console.log(`ok: reported ${format_error("<bad>", errors[0])}`);
    }
  }
  for (const snippet of kGood) {
    const errors = syntax_errors(parser, snippet);
    if (errors.length > 0) {
      console.log(`FAIL: valid PowerShell reported: ${format_error("<good>", errors[0])} in ${JSON.stringify(snippet)}`);
      ok = false;
    } else {
      console.log(`ok: accepted ${JSON.stringify(snippet)}`);
    }
  }
  console.log(ok ? "self-test passed" : "self-test FAILED");
  return ok ? 0 : 1;
}

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: check_powershell.mjs PATH... | --self-test");
  process.exit(2);
}
let parser;
try {
  parser = await load_parser();
} catch (e) {
  console.error(`check_powershell: cannot load tree-sitter-powershell (run scripts/setup): ${e.message}`);
  process.exit(2);
}
process.exitCode = args.length === 1 && args[0] === "--self-test" ? self_test(parser) : check_paths(parser, args);
