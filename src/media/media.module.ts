import { Module } from '@nestjs/common';
import { MediaStore } from './media-store';

/** The media files: received, sent and campaign media under MEDIA_PATH. */
@Module({ providers: [MediaStore], exports: [MediaStore] })
export class MediaModule {}
