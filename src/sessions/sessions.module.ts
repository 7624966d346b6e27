import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { ActivityModule } from '../activity/activity.module';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { EgressModule } from '../egress/egress.module';
import { MediaModule } from '../media/media.module';
import { MessagesModule } from '../messages/messages.module';
import { OutboxModule } from '../outbox/outbox.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { MessageSender } from './message-sender.service';
import { SessionChatStateController } from './session-chat-state.controller';
import { SessionChatState } from './session-chat-state.service';
import { SessionContactsController } from './session-contacts.controller';
import { SessionContacts } from './session-contacts.service';
import { SessionGroupsController } from './session-groups.controller';
import { SessionGroups } from './session-groups.service';
import { SessionMessageEditsController } from './session-message-edits.controller';
import { SessionMessagesController } from './session-messages.controller';
import { SessionPipe } from './session.pipe';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** The sessions API: CRUD, connect/disconnect/logout, QR, tokens, and each session's send and message routes. */
@Module({
  imports: [
    ActivityModule,
    AuthModule,
    EgressModule,
    MediaModule,
    MessagesModule,
    OutboxModule,
    WhatsappModule,
    // Uploads are held in memory up to MEDIA_MAX_BYTES (then 413), one file per request.
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        limits: { fileSize: config.MEDIA_MAX_BYTES, files: 1 },
      }),
    }),
  ],
  controllers: [
    SessionsController,
    // Before the messages routes: `messages/read` must not be taken for `messages/:kind`.
    SessionChatStateController,
    SessionMessagesController,
    SessionMessageEditsController,
    SessionGroupsController,
    SessionContactsController,
  ],
  providers: [SessionsService, MessageSender, SessionGroups, SessionChatState, SessionContacts, SessionPipe],
  exports: [SessionsService, SessionPipe],
})
export class SessionsModule {}
