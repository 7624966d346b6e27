import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { CaptureConnection } from './capture-connection';
import { ChatList } from './chat-list';
import { ContactBook } from './contact-book';
import { MessageCapture } from './message-capture.service';
import { MessageChats } from './message-chats';
import { MessageMedia } from './message-media';
import { MessageQueries } from './message-queries.service';
import { MessageRevisions } from './message-revisions';
import { OutboundQueue } from './outbound-queue';

/** The messages table: captured messages and their statuses, written in batches with their outbox rows and their chats' rows, their media state, edits and deletes, and read back; the contacts a session knows. */
@Module({
  imports: [OutboxModule],
  providers: [
    CaptureConnection,
    ChatList,
    ContactBook,
    MessageCapture,
    MessageChats,
    MessageMedia,
    MessageQueries,
    MessageRevisions,
    OutboundQueue,
  ],
  exports: [
    ChatList,
    ContactBook,
    MessageCapture,
    MessageChats,
    MessageMedia,
    MessageQueries,
    MessageRevisions,
    OutboundQueue,
  ],
})
export class MessagesModule {}
