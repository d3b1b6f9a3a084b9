// After rollup: writes dist/snippet.html from src/snippet.js, the SRI hash of dist/cio.js,
// prints the size of every shipped file, and regenerates the README's generated blocks
// (the snippet, the snippet with integrity, the size table), so they cannot disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { minify } from 'terser';
import { sizes, SNIPPET_PLACEHOLDERS } from './sizes.mjs';

const source = readFileSync('src/snippet.js', 'utf8');
const { code } = await minify(source, { ecma: 5, compress: { passes: 2 }, mangle: true, format: { comments: false } });
for (const p of SNIPPET_PLACEHOLDERS) if (!code.includes(p)) throw new Error(`snippet lost its placeholder ${p}`);
const snippet = `<script>\n${code}\n</script>\n`;
writeFileSync('dist/snippet.html', snippet);

const cio = readFileSync('dist/cio.js');
const integrity = 'sha384-' + createHash('sha384').update(cio).digest('base64');
writeFileSync('dist/cio.js.sri', integrity + '\n');
// The SRI variant: the same stub, with integrity and crossorigin set on the inserted tag.
const sriCode = code.replace(
  /(\w+)\.id=("|')cio-tracker\2/,
  (m, v, q) => `${m},${v}.integrity=${q}${integrity}${q},${v}.crossOrigin=${q}anonymous${q}`,
);
if (sriCode === code) throw new Error('could not add integrity to the snippet');
writeFileSync('dist/snippet-sri.html', `<script>\n${sriCode}\n</script>\n`);

const s = sizes();
const kb = (n) => `${n.toLocaleString('en-US')} B`;
console.log(
  `sizes: snippet ${kb(s.snippet)} minified | cio.js ${kb(s.cio.min)} min, ${kb(s.cio.gzip)} gzip, ${kb(s.cio.brotli)} brotli | ` +
    `index.mjs ${kb(s.entry.min)}, ${kb(s.entry.brotli)} brotli`,
);

const table = [
  '| file | bytes | gzip | brotli |',
  '| --- | ---: | ---: | ---: |',
  `| snippet (inline, minified, \`dist/snippet.html\`) | ${kb(s.snippet)} | ${kb(s.snippetGzip)} | ${kb(s.snippetBrotli)} |`,
  `| \`dist/cio.js\` (minified; what the snippet loads) | ${kb(s.cio.min)} | ${kb(s.cio.gzip)} | ${kb(s.cio.brotli)} |`,
  `| \`dist/index.mjs\` (npm entry, unminified) | ${kb(s.entry.min)} | ${kb(s.entry.gzip)} | ${kb(s.entry.brotli)} |`,
].join('\n');

const replaceBlock = (text, name, body) => {
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) return text;
  return text.replace(re, (_, a, b) => a + body + b);
};
try {
  let readme = readFileSync('README.md', 'utf8');
  const before = readme;
  readme = replaceBlock(readme, 'snippet', '```html\n' + snippet + '```\n');
  readme = replaceBlock(readme, 'snippet-sri', '```html\n<script>\n' + sriCode + '\n</script>\n```\n');
  readme = replaceBlock(readme, 'sizes', table + '\n');
  if (readme !== before) writeFileSync('README.md', readme);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
