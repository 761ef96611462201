/**
 * Preloaded into an adapter process by the benchmarks (`node --import ./memory-probe.ts`): samples
 * the process's memory every 10 ms and keeps the breakdown at the highest RSS seen, so a benchmark
 * can say where the peak was (V8 heap in use / allocated, Buffers and other memory outside the
 * heap). On SIGUSR2 it appends that breakdown as one JSON line to MEMORY_PROBE_FILE and starts
 * again from the current RSS.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.MEMORY_PROBE_FILE;
if (file) {
  let peak = process.memoryUsage();
  const reset = () => {
    peak = process.memoryUsage();
  };
  const timer = setInterval(() => {
    if (process.memoryUsage.rss() > peak.rss) peak = process.memoryUsage();
  }, 10);
  timer.unref();
  process.on('SIGUSR2', () => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
    appendFileSync(file, `${JSON.stringify({ peak, now })}\n`);
    reset();
  });
}
