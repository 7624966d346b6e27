import { Global, Module } from '@nestjs/common';
import { AuthKeyWriter } from './auth-key-writer';
import { AuthStateStore } from './auth-state.store';
import { ConnectionRegistry } from './connection-registry';
import { SessionLeases } from './session-lease.service';
import { SessionStateRepository } from './session-state.repository';
import { SessionSupervisor } from './session-supervisor';
import { WhatsappIngest } from './whatsapp-ingest';

/** The connection registry and everything only it uses. BAILEYS_SOCKET_OVERRIDES comes from AppModule. */
@Global()
@Module({
  providers: [
    AuthKeyWriter,
    AuthStateStore,
    SessionLeases,
    SessionStateRepository,
    WhatsappIngest,
    ConnectionRegistry,
    SessionSupervisor,
  ],
  exports: [ConnectionRegistry, SessionLeases, AuthStateStore],
})
export class WhatsappModule {}
