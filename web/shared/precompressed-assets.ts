/**
 * The contract between the console's build and the server that serves it: next to a built file
 * `X` the build writes `X.br` (brotli) and `X.gz` (gzip) once (web/build/precompress.ts), and
 * the server picks one of the three for each request from its `Accept-Encoding`
 * (web/server/app/static-files.ts). Nothing is compressed per request.
 */

/** A content coding the build writes beside a file (RFC 9110 §8.4.1), in the server's order of preference. */
export type PrecompressedCoding = 'br' | 'gzip';

/** Each coding and the suffix of the file that holds it; brotli first: it is the smaller. */
export const PRECOMPRESSED_CODINGS: readonly { coding: PrecompressedCoding; suffix: string }[] = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
];

/** Kinds of file that are text (or compress like it) and are precompressed when large enough. */
export const PRECOMPRESSED_EXTENSIONS: ReadonlySet<string> = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.wasm']);

/** Below this a file is sent as it is: the saving would be smaller than a packet's headers. */
export const PRECOMPRESS_MIN_BYTES = 1024;
