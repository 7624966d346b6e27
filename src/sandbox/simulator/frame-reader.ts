/**
 * Splits the client's byte stream into 3-byte-length-prefixed frames. A WebSocket message may carry
 * several frames or part of one, and the very first one starts with an intro header to skip:
 * `WA 06 03`, or `ED 00 01 <len:3> <routingInfo> WA 06 03` when the client has routing info.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private sawIntro = false;

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!this.sawIntro) {
      const introLength = this.introLength();
      if (introLength === undefined) {
        return [];
      }
      this.pending = this.pending.subarray(introLength);
      this.sawIntro = true;
    }
    const frames: Buffer[] = [];
    while (this.pending.length >= 3) {
      const size = this.pending.readUIntBE(0, 3);
      if (this.pending.length < size + 3) {
        break;
      }
      frames.push(Buffer.from(this.pending.subarray(3, size + 3)));
      this.pending = this.pending.subarray(size + 3);
    }
    return frames;
  }

  private introLength(): number | undefined {
    if (this.pending.length < 4) {
      return undefined;
    }
    if (this.pending[0] === 0x45 && this.pending[1] === 0x44) {
      if (this.pending.length < 7) {
        return undefined;
      }
      return 7 + this.pending.readUIntBE(4, 3) + 4;
    }
    return 4;
  }
}

export function frame(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(3);
  header.writeUIntBE(payload.length, 0, 3);
  return Buffer.concat([header, payload]);
}
