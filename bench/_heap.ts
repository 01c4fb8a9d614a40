/** Heap growth measurement for the benchmarks. @module */

/**
 * Calls made before measuring, at most: enough for V8 to finish compiling `fn` and what it
 * calls with its optimizing tier, whose code and type feedback live on the heap. After only
 * 10,000 calls the dispatch path was still being optimized: about 40 KB of compiler output
 * landed inside the first million measured calls and read as 0.04 B per message, while the
 * next million grew the heap by 2–4 KB in all.
 */
const WARM_UP = 200_000;

/**
 * Runs `fn` `n` times between two forced collections, after as many warm-up calls (up to
 * {@linkcode WARM_UP}), and returns the heap growth per call in bytes. Needs
 * `--v8-flags=--expose-gc`; returns NaN without it.
 */
export function heapGrowthPerCall(fn: () => unknown, n: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  for (let i = 0, warm = Math.min(n, WARM_UP); i < warm; i++) fn();
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) fn();
  gc();
  gc();
  return (Deno.memoryUsage().heapUsed - before) / n;
}
