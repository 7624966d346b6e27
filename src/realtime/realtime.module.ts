import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RealtimeGateway } from './realtime.gateway';

/** The WebSocket at /ws: live session status, QR codes, messages and campaign progress. */
@Module({ imports: [AuthModule], providers: [RealtimeGateway] })
export class RealtimeModule {}
