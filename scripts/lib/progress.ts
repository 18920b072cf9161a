// A progress line for long admin jobs: done/total, rate per second and ETA, at most twice a second.
export class Progress {
  private readonly started = Date.now();
  private lastPrinted = 0;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  update(done: number, total: number, force = false, suffix = ''): void {
    const now = Date.now();
    if (!force && now - this.lastPrinted < 500 && done < total) return;
    this.lastPrinted = now;
    this.out.write(`${this.label}: ${formatProgress(done, total, (now - this.started) / 1000)}${suffix ? `, ${suffix}` : ''}\n`);
  }
}

export function formatProgress(done: number, total: number, elapsedSeconds: number): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const percent = total > 0 ? ((done / total) * 100).toFixed(1) : '100.0';
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
  return `${done}/${total} (${percent}%), ${rate.toFixed(0)}/s, ETA ${eta}s`;
}
