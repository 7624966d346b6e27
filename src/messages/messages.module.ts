import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { CaptureConnection } from './capture-connection';
import { MessageCapture } from './message-capture.service';
import { MessageQueries } from './message-queries.service';

/** The messages table: captured messages and their statuses, written in batches with their outbox rows, and read back. */
@Module({
  imports: [OutboxModule],
  providers: [CaptureConnection, MessageCapture, MessageQueries],
  exports: [MessageCapture, MessageQueries],
})
export class MessagesModule {}
