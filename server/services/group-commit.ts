// Group commit: requests arriving while earlier batches are in flight are gathered and written in one
// transaction, so many concurrent posts cost one commit instead of one each.
export interface GroupCommitOptions<T, R> {
  /** Writes a batch; returns one result (or Error) per item, in order. */
  run(batch: T[]): Promise<Array<R | Error>>;
  /** Items with the same key never share a batch (a uid upserted twice in one statement would fail). */
  keyOf(item: T): string;
  maxBatch: number;
  maxInFlight: number;
  /** Told the size of each batch as it is sent (the batch-size histogram of /metrics). */
  onBatch?: (size: number) => void;
}

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class GroupCommitter<T, R> {
  private queue: Array<Pending<T, R>> = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * Batches are formed once the current turn of the event loop is over (setImmediate), so every request
   * parsed in the same turn joins one batch rather than the first going alone into a free slot.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Items waiting for a batch, for metrics. */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.options.onBatch?.(batch.length);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private takeBatch(): Array<Pending<T, R>> {
    const batch: Array<Pending<T, R>> = [];
    const keys = new Set<string>();
    const rest: Array<Pending<T, R>> = [];
    for (const pending of this.queue) {
      const key = this.options.keyOf(pending.item);
      if (batch.length < this.options.maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async flush(batch: Array<Pending<T, R>>): Promise<void> {
    try {
      const results = await this.options.run(batch.map((p) => p.item));
      batch.forEach((pending, i) => settle(pending, results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One bad item (or a deadlock) must not fail its neighbours: retry each alone.
      await Promise.all(
        batch.map(async (pending) => {
          try {
            const [result] = await this.options.run([pending.item]);
            settle(pending, result!);
          } catch (single) {
            pending.reject(single);
          }
        }),
      );
    }
  }
}

function settle<T, R>(pending: Pending<T, R>, result: R | Error): void {
  if (result instanceof Error) pending.reject(result);
  else pending.resolve(result);
}
