/**
 * Where a process stands in the relay table (`realtime_events`), whose auto-increment ids do not
 * commit in order: two processes' inserts get ids 9 and 10, and 10 may commit (and be read) first.
 * The cursor keeps the highest id read and, for a while, each id below it not read yet (a hole): it
 * is asked for again at every read until it shows up or has been missing for `settleMs` (an insert
 * that failed or rolled back leaves a hole for ever). Rows are delivered as they are read, each once;
 * one process's rows never overtake each other, since its inserts run one after another.
 */
export class RelayCursor {
  /** Holes: id -> when it was first seen missing (ms). */
  private readonly missing = new Map<bigint, number>();

  constructor(
    /** The highest id already accounted for (the table's highest id when the relay started). */
    private high: bigint,
    private readonly settleMs: number,
    /** At most this many holes are remembered (the nearest ones): a huge gap is an id jump, not rows. */
    private readonly maxMissing = 1_000,
  ) {}

  /** The highest id read so far. */
  get highest(): bigint {
    return this.high;
  }

  /** The holes still worth asking for, oldest ids first; holes older than the settle time are given up. */
  holes(now: number): bigint[] {
    for (const [id, since] of this.missing) if (now - since > this.settleMs) this.missing.delete(id);
    return this.sortedHoles();
  }

  /**
   * Takes the ids of one read (rows with id > highest or id in holes(), in ascending order) and
   * says, for each, whether it is new (to deliver) rather than one already delivered.
   */
  accept(ids: readonly bigint[], now: number): boolean[] {
    return ids.map((id) => {
      if (id > this.high) {
        const from = id - this.high > BigInt(this.maxMissing) ? id - BigInt(this.maxMissing) : this.high + 1n;
        for (let hole = from; hole < id; hole++) this.missing.set(hole, now);
        this.high = id;
        this.trim();
        return true;
      }
      return this.missing.delete(id);
    });
  }

  /** Keeps the nearest holes (the highest ids) when there are too many. */
  private trim(): void {
    if (this.missing.size <= this.maxMissing) return;
    for (const id of this.sortedHoles().slice(0, this.missing.size - this.maxMissing))
      this.missing.delete(id);
  }

  private sortedHoles(): bigint[] {
    return [...this.missing.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
