import { Global, Module } from '@nestjs/common';
import { CaptureConnection } from './capture-connection';
import { MessageCapture } from './message-capture.service';
import { MessageQueries } from './message-queries.service';

@Global()
@Module({
  providers: [CaptureConnection, MessageCapture, MessageQueries],
  exports: [MessageCapture, MessageQueries],
})
export class MessagesModule {}
