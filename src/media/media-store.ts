import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Injectable } from '@nestjs/common';
import { extension } from 'mime-types';
import { AppConfig } from '../config/app-config';

/** A file kept in the store; `path` is relative to MEDIA_PATH (what the database keeps). */
export interface StoredMedia {
  path: string;
  size: number;
}

/**
 * A received file being written: to a temporary name beside its final one, kept (renamed) only once
 * the caller has verified it, otherwise discarded.
 */
export interface InboundFile {
  write(chunk: Buffer): Promise<void>;
  /** Bytes written so far. */
  readonly size: number;
  keep(): Promise<StoredMedia>;
  discard(): Promise<void>;
}

/** A path segment made of safe characters only (a session id, a WhatsApp message id). */
const safe = (segment: string): string => segment.replace(/[^\w.-]/g, '_');
const month = (): string => new Date().toISOString().slice(0, 7);
const extOf = (mime: string | null): string => (mime && extension(mime)) || 'bin';

/**
 * Where media files live, under MEDIA_PATH: received media (<session>/<yyyy-mm>/<message id>.<ext>),
 * copies of media sent (<session>/<yyyy-mm>/out-...), and campaign files (campaigns/<id>/<uuid>.<ext>).
 * It names every file itself, and refuses any stored path that would lead outside MEDIA_PATH. The
 * one place that touches the media folder (where S3 storage will plug in).
 */
@Injectable()
export class MediaStore {
  private readonly root: string;
  /** MEDIA_MAX_BYTES: no file larger than this is kept or sent. */
  readonly maxBytes: number;

  constructor(config: AppConfig) {
    this.root = resolve(config.MEDIA_PATH);
    this.maxBytes = config.MEDIA_MAX_BYTES;
  }

  /** The media of a received message, written as it arrives (the caller enforces MEDIA_MAX_BYTES). */
  async openInbound(sessionId: string, messageId: string, mime: string | null): Promise<InboundFile> {
    const relative = join(safe(sessionId), month(), `${safe(messageId)}.${extOf(mime)}`);
    const file = resolve(this.root, relative);
    const temp = join(dirname(file), `.${randomUUID()}.part`);
    await mkdir(dirname(file), { recursive: true });
    const handle = await open(temp, 'wx');
    let size = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    return {
      get size() {
        return size;
      },
      async write(chunk) {
        for (let done = 0; done < chunk.length; )
          done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
        size += chunk.length;
      },
      async keep() {
        await close();
        await rename(temp, file);
        return { path: relative, size };
      },
      async discard() {
        await close().catch(() => undefined);
        await rm(temp, { force: true });
      },
    };
  }

  /** A copy of media this gateway sends, so the message can be read back with its file. */
  saveOutbound(sessionId: string, mime: string, data: Buffer): Promise<StoredMedia> {
    const name = `out-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.${extOf(mime)}`;
    return this.write(join(safe(sessionId), month(), name), data);
  }

  /** A campaign's file. */
  saveCampaignMedia(campaignId: number, mime: string, data: Buffer): Promise<StoredMedia> {
    return this.write(join('campaigns', String(campaignId), `${randomUUID()}.${extOf(mime)}`), data);
  }

  async read(path: string): Promise<Buffer> {
    const file = this.absolute(path);
    if (!file) throw new Error(`Not a media path: ${path}`);
    return readFile(file);
  }

  /** The file as a stream, or null when the path is not one of the store's. */
  stream(path: string): ReadStream | null {
    const file = this.absolute(path);
    return file ? createReadStream(file) : null;
  }

  async remove(path: string | null): Promise<void> {
    const file = path ? this.absolute(path) : null;
    if (file) await rm(file, { force: true });
  }

  /** The file of a stored path, or null when the path would lead outside MEDIA_PATH. */
  private absolute(path: string): string | null {
    const file = resolve(this.root, path);
    return file.startsWith(this.root + sep) ? file : null;
  }

  private async write(relative: string, data: Buffer): Promise<StoredMedia> {
    const file = resolve(this.root, relative);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
    return { path: relative, size: data.length };
  }
}
