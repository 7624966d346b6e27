import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { AppConfig } from '../config/app-config';
import { MessageSender } from './message-sender.service';
import { SessionMessagesController } from './session-messages.controller';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [
    // Uploads are held in memory up to MEDIA_MAX_BYTES (then 413), one file per request.
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        limits: { fileSize: config.MEDIA_MAX_BYTES, files: 1 },
      }),
    }),
  ],
  controllers: [SessionsController, SessionMessagesController],
  providers: [SessionsService, MessageSender],
  exports: [SessionsService, MessageSender],
})
export class SessionsModule {}
