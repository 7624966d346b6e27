import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { RealtimeRelay } from './realtime-relay';
import { RealtimeGateway } from './realtime.gateway';

/**
 * The WebSocket at /ws: live session status, QR codes, messages and campaign progress, of every
 * session, whichever process of a cluster holds it (the relay reads the cluster's size from the
 * heartbeats the whatsapp module writes).
 */
@Module({ imports: [AuthModule, WhatsappModule], providers: [RealtimeGateway, RealtimeRelay] })
export class RealtimeModule {}
