// The MediaStore port: content-addressed blobs (sha256), written atomically, read by byte range.
import type { Readable } from 'node:stream';

/** A blob written to a temporary place: probe it at `path`, then commit it under its hash or discard it. */
export interface StagedBlob {
  sha256: string;
  size: number;
  /** A local file holding the bytes until commit or discard (probing reads it). */
  path: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface MediaStore {
  /** Streams `body` to a temporary file, hashing as it goes; throws MediaTooLarge past `limitBytes`. */
  stage(body: Readable, limitBytes: number): Promise<StagedBlob>;
  /** Size of a committed blob, or undefined when the store does not hold it. */
  size(sha256: string): Promise<number | undefined>;
  /** Reads bytes [start, end] (inclusive) of a committed blob. */
  read(sha256: string, start: number, end: number): Readable;
  /** Deletes a committed blob (retention, erasure); a blob the store does not hold is no error. */
  remove(sha256: string): Promise<void>;
  /** Space on the volume that holds the store, for the admin overview. */
  volume(): Promise<{ totalBytes: number; freeBytes: number }>;
}
