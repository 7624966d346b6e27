import { Global, Module } from '@nestjs/common';
import { MessageCapture } from './message-capture.service';
import { MessageQueries } from './message-queries.service';

@Global()
@Module({ providers: [MessageCapture, MessageQueries], exports: [MessageCapture, MessageQueries] })
export class MessagesModule {}
