import { mkdir, open, readdir, readFile, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A segment is closed and a new one begun past this size, so a replay reads one bounded file at a time. */
const SEGMENT_BYTES = 8 * 2 ** 20;
const SEGMENT_NAME = /^(\d{8})\.jsonl$/;

interface Waiting {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * One file of the journal, appended to and fsynced in groups: every line appended while a write and
 * fsync are under way goes out with the next one, so a flood costs one fsync per group, not per line.
 */
class Segment {
  bytes = 0;
  private waiting: Waiting[] = [];
  private flushing: Promise<void> | null = null;

  /** Known once the file is created (numbered in the journal's directory). */
  path = '';

  constructor(private readonly handle: Promise<FileHandle>) {
    // An open that fails rejects each append instead (never an unhandled rejection here).
    handle.catch(() => undefined);
  }

  append(line: string): Promise<void> {
    this.bytes += Buffer.byteLength(line);
    return new Promise((resolve, reject) => {
      this.waiting.push({ line, resolve, reject });
      this.flushing ??= this.flush().finally(() => (this.flushing = null));
    });
  }

  /** Waits for every line appended so far to be on disk, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    const handle = await this.handle.catch(() => null);
    await handle?.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        const handle = await this.handle;
        await handle.write(group.map((w) => w.line).join(''));
        await handle.datasync();
        for (const w of group) w.resolve();
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
  }
}

/**
 * The message capture's journal on local disk: append-only JSON lines, one directory per database
 * (`JOURNAL_DIR/<database>/00000001.jsonl`, ...), so what WhatsApp delivered while the database
 * could not take it survives a crash. Segments are numbered in the order they were begun; `rotate`
 * closes the one being written so it can be replayed and deleted while new lines go to the next.
 * One process per directory: processes on one host that share a database need their own JOURNAL_DIR.
 */
export class CaptureJournal {
  private current: Segment | null = null;
  /** Directory operations (create, number, delete) one after another, so they never race. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  /** The closed segments on disk (from an earlier run, or closed by `rotate`), oldest first. */
  segments(): Promise<string[]> {
    return this.serial(async () => {
      const names = await readdir(this.dir).catch(() => [] as string[]);
      return names
        .filter((n) => SEGMENT_NAME.test(n))
        .sort()
        .map((n) => join(this.dir, n))
        .filter((p) => p !== this.current?.path);
    });
  }

  /** True when lines were appended since the last rotation. */
  get hasOpenSegment(): boolean {
    return this.current !== null;
  }

  /** Appends one entry; resolves once it is on disk (fsynced with the others of its group). */
  append(entry: unknown): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    if (!this.current || this.current.bytes >= SEGMENT_BYTES) {
      const full = this.current;
      this.current = this.begin();
      void full?.close();
    }
    return this.current.append(line);
  }

  /** Closes the segment being written (once its lines are on disk); the next append begins a new one. */
  async rotate(): Promise<void> {
    const closing = this.current;
    this.current = null;
    await closing?.close();
  }

  /** The entries of a segment, in the order written. A last line cut short by a crash is skipped. */
  async read(path: string): Promise<unknown[]> {
    const text = await readFile(path, 'utf8');
    const entries: unknown[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line));
      } catch {
        // Only a torn tail can fail to parse: its append never resolved, so nothing relied on it.
      }
    }
    return entries;
  }

  /** Deletes a replayed segment, and the directory once nothing is left in it. */
  remove(path: string): Promise<void> {
    return this.serial(async () => {
      await unlink(path).catch(() => undefined);
      if (!this.current) await rmdir(this.dir).catch(() => undefined);
    });
  }

  close(): Promise<void> {
    return this.rotate();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private begin(): Segment {
    const segment: Segment = new Segment(
      this.serial(async () => {
        await mkdir(this.dir, { recursive: true });
        const numbers = (await readdir(this.dir)).map((n) => Number(SEGMENT_NAME.exec(n)?.[1] ?? 0));
        segment.path = join(this.dir, `${String(Math.max(0, ...numbers) + 1).padStart(8, '0')}.jsonl`);
        const handle = await open(segment.path, 'a', 0o600);
        // The new file's name must survive a crash too, not only its content.
        const dir = await open(this.dir, 'r');
        await dir.sync().finally(() => dir.close());
        return handle;
      }),
    );
    return segment;
  }
}
