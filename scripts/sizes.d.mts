// Types for sizes.mjs, which the size budget test imports.
export declare const SNIPPET_PLACEHOLDERS: string[];
interface Measured {
  min: number;
  gzip: number;
  brotli: number;
}
export declare function sizes(dir?: string): {
  snippet: number;
  snippetGzip: number;
  snippetBrotli: number;
  cio: Measured;
  entry: Measured;
};
