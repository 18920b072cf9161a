// The process-wide bound on request bytes held in memory at once (EARSHOT_BODY_BUDGET): each request
// reserves what it buffers (its declared Content-Length up front, then what streams in beyond it) and
// gives it back when its answer is made. Past the budget a request is refused with 503 and Retry-After
// before more is read. Streamed uploads (recordings to disk) do not count.
import { Overloaded } from '../domain/errors.js';

const RETRY_AFTER_SECONDS = 2;

export class BodyBudget {
  private used = 0;
  private peak = 0;

  constructor(readonly totalBytes: number) {}

  /** Bytes reserved by requests in flight. */
  get usedBytes(): number {
    return this.used;
  }

  /** The most bytes ever reserved at once (what the budget bounded). */
  get peakBytes(): number {
    return this.peak;
  }

  /** A request's share, empty until it takes bytes. */
  open(): BodyReservation {
    return new BodyReservation(this);
  }

  /** @internal BodyReservation's side of the count. */
  adjust(bytes: number): boolean {
    if (bytes > 0 && this.used + bytes > this.totalBytes) return false;
    this.used += bytes;
    this.peak = Math.max(this.peak, this.used);
    return true;
  }
}

export class BodyReservation {
  private held = 0;

  constructor(private readonly budget: BodyBudget) {}

  /** Makes sure `total` bytes are held for this request, taking more when needed; Overloaded past the budget. */
  holdAtLeast(total: number): void {
    if (total <= this.held) return;
    if (!this.budget.adjust(total - this.held)) throw new Overloaded(RETRY_AFTER_SECONDS);
    this.held = total;
  }

  release(): void {
    this.budget.adjust(-this.held);
    this.held = 0;
  }
}
