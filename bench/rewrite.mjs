// `node rewrite.mjs [bench/dist/summary.json]`: writes docs/benchmarks.md and docs/benchmarks.svg
// (or bench/dist/ for a --quick summary) again from the summary the last run saved, without
// measuring anything: for changes to the report's wording or layout.
import fs from 'node:fs';
import path from 'node:path';
import { writeReport } from './report.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const file = process.argv[2] ?? path.join(here, 'dist', 'summary.json');
const dir = writeReport(JSON.parse(fs.readFileSync(file, 'utf8')));
console.log(`wrote ${path.relative(process.cwd(), dir) || '.'}/benchmarks.md and benchmarks.svg from ${file}`);
