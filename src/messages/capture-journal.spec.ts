import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureJournal } from './capture-journal';

describe('CaptureJournal', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'wagw-journal-spec-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('appends lines in groups, each resolved once on disk; a rotation closes the segment for replay', async () => {
    const dir = join(root, 'db');
    const journal = new CaptureJournal(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append({ s: i })));
    expect(journal.hasOpenSegment).toBe(true);
    expect(await journal.segments()).toEqual([]); // the segment being written is not listed
    await journal.rotate();
    expect(journal.hasOpenSegment).toBe(false);
    const [segment] = await journal.segments();
    expect(segment).toBe(join(dir, '00000001.jsonl'));
    expect(await journal.read(segment)).toEqual(Array.from({ length: 50 }, (_, i) => ({ s: i })));

    await journal.append({ s: 50 });
    await journal.rotate();
    expect(await journal.segments()).toEqual([segment, join(dir, '00000002.jsonl')]);
  });

  it('skips a last line cut short by a crash, and a new run numbers after what it finds', async () => {
    const dir = join(root, 'db');
    const first = new CaptureJournal(dir);
    await first.append({ s: 1 });
    await first.close();
    appendFileSync(join(dir, '00000001.jsonl'), '{"s":2,"k":"m","v":{"te');
    const next = new CaptureJournal(dir);
    const [segment] = await next.segments();
    expect(await next.read(segment)).toEqual([{ s: 1 }]);
    await next.append({ s: 3 });
    await next.rotate();
    expect(readFileSync(join(dir, '00000002.jsonl'), 'utf8')).toBe('{"s":3}\n');
  });

  it('removes replayed segments, and its directory once empty', async () => {
    const dir = join(root, 'db');
    const journal = new CaptureJournal(dir);
    await journal.append({ s: 1 });
    await journal.rotate();
    for (const segment of await journal.segments()) await journal.remove(segment);
    expect(existsSync(dir)).toBe(false);
    await journal.append({ s: 2 }); // and starts again when needed
    await journal.rotate();
    expect(await journal.segments()).toHaveLength(1);
  });
});
