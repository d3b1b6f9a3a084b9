// Bundles each peer the way a site would ship it: esbuild, minified, browser target, ESM with
// code splitting (so lazy imports become the chunks a page downloads later), and measures every
// shipped file minified, gzip (level 9) and brotli (quality 11).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(new URL(import.meta.url).pathname);
export const distDir = path.join(here, 'dist');

export const compressedSizes = (buf) => ({
  min: buf.length,
  gzip: zlib.gzipSync(buf, { level: 9 }).length,
  brotli: zlib.brotliCompressSync(buf, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
  }).length,
});

const sum = (list) =>
  list.reduce((a, s) => ({ min: a.min + s.min, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }), {
    min: 0,
    gzip: 0,
    brotli: 0,
  });

/** Bundles one peer into dist/<id>/; returns { files, sizes } with sizes summed over all chunks. */
export async function bundlePeer(id) {
  const outdir = path.join(distDir, id);
  fs.rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { main: path.join(here, 'entries', id + '.js') },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    outdir,
    chunkNames: 'chunk-[hash]',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'error',
  });
  const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.js'));
  return { files, sizes: sum(files.map((f) => compressedSizes(fs.readFileSync(path.join(outdir, f))))) };
}
