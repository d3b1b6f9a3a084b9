// Exactly two build shapes: the IIFE the snippet loads (dist/cio.js) and the npm entry
// (ESM + CJS + one bundled .d.ts). scripts/after-build.mjs then writes the snippet and sizes.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import replace from '@rollup/plugin-replace';
import { dts } from 'rollup-plugin-dts';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const plugins = () => [
  replace({ preventAssignment: true, values: { __VERSION__: JSON.stringify(version) } }),
  typescript({
    tsconfig: './tsconfig.json',
    compilerOptions: { noEmit: false, declaration: false },
    include: ['src/**/*.ts'],
  }),
];

const readable = terser({ ecma: 2020, compress: false, mangle: false, format: { beautify: true, comments: false } });

export default [
  {
    input: 'src/browser.ts',
    output: {
      file: 'dist/cio.js',
      format: 'iife',
      plugins: [
        terser({
          ecma: 2020,
          toplevel: true,
          compress: { passes: 3, unsafe_arrows: true },
          format: { comments: false },
        }),
      ],
    },
    plugins: plugins(),
  },
  {
    input: 'src/index.ts',
    // Readable for whoever steps into it, but without the comments: the app's bundler minifies.
    output: [
      { file: 'dist/index.mjs', format: 'es', plugins: [readable] },
      { file: 'dist/index.cjs', format: 'cjs', plugins: [readable] },
    ],
    plugins: plugins(),
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts()],
  },
];
