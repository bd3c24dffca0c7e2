/**
 * Upstream's wire encodings for sampled numbers. VDSM sends most numbers as strings (a legacy XML-RPC int32
 * workaround): percentages as "%.2f", counters as "%d", and a few rates as Python's float repr.
 */

/** "%d" of a non-negative counter (libvirt counters are unsigned; anything else becomes "0"). */
export function intStr(n: number | undefined): string {
  if (n === undefined || !(n >= 0)) return '0';
  if (n <= Number.MAX_SAFE_INTEGER) return String(Math.trunc(n));
  return Number.isFinite(n) ? n.toFixed(0) : '0';
}

/** "%.2f". */
export function fixed2(n: number): string {
  return Number.isFinite(n) ? n.toFixed(2) : '0.00';
}

/** Python's `str(float)`: "0.0", "1234.5", "1e-07", "1e+16". */
export function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python pads the exponent to two digits and always writes its sign.
    return n
      .toExponential()
      .replace(/\.?0*e/, 'e')
      .replace(/e([+-])(\d)$/, 'e$10$2');
  }
  const s = String(n);
  return Number.isInteger(n) ? `${s}.0` : s;
}

/** Seconds on the monotonic clock (CLOCK_MONOTONIC, shared by every process on the host). */
export function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}
