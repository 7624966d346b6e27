import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Injectable } from '@nestjs/common';
import { extension } from 'mime-types';
import { AppConfig } from '../config/app-config';

/** A file kept in the store; `path` is relative to MEDIA_PATH (what the database keeps). */
export interface StoredMedia {
  path: string;
  size: number;
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

  /** The media of a received message; null when it is larger than MEDIA_MAX_BYTES (not kept). */
  async saveInbound(
    sessionId: string,
    messageId: string,
    mime: string | null,
    data: Buffer,
  ): Promise<StoredMedia | null> {
    if (data.length > this.maxBytes) return null;
    return this.write(join(safe(sessionId), month(), `${safe(messageId)}.${extOf(mime)}`), data);
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
