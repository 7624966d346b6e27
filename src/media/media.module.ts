import { Module } from '@nestjs/common';
import { EgressModule } from '../egress/egress.module';
import { MediaFetcher } from './media-fetch';
import { MediaStore } from './media-store';

/** The media files: received, sent and campaign media under MEDIA_PATH, and media fetched by URL to send. */
@Module({ imports: [EgressModule], providers: [MediaStore, MediaFetcher], exports: [MediaStore, MediaFetcher] })
export class MediaModule {}
