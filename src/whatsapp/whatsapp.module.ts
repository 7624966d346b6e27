import { Module, OnModuleInit } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { EgressModule } from '../egress/egress.module';
import { HealthModule } from '../health/health.module';
import { HealthService } from '../health/health.service';
import { MediaModule } from '../media/media.module';
import { MessageCapture } from '../messages/message-capture.service';
import { MessagesModule } from '../messages/messages.module';
import { OutboxModule } from '../outbox/outbox.module';
import { AuthKeyWriter } from './auth-key-writer';
import { AuthStateStore } from './auth-state.store';
import { AutoReader } from './auto-reader';
import { CommandRelay } from './command-relay';
import { ConnectionRegistry } from './connection-registry';
import { ContactUpdates } from './contact-updates';
import { GroupEventLog } from './group-event-log';
import { GroupMetadataStore } from './group-metadata-store';
import { GroupNotices } from './group-notices';
import { InboundMediaQueue } from './inbound-media-queue';
import { InboundRevisions } from './inbound-revisions';
import { LidMappings } from './lid-mappings';
import { MessageEdits } from './message-edits';
import { OutboundDispatcher } from './outbound-dispatcher';
import { OutboundMessages } from './outbound-messages';
import { OutboundReceipts } from './outbound-receipts';
import { OutboundRetention } from './outbound-retention';
import { OutboundSends } from './outbound-sends';
import { PresenceReporter } from './presence-reporter';
import { PollVotes } from './poll-votes';
import { GatewayInstances } from './gateway-instances';
import { SessionBalancer } from './session-balancer';
import { SessionCommands } from './session-commands';
import { SessionLeases } from './session-leases';
import { SessionProxies } from './session-proxies';
import { SessionRestore } from './session-restore';
import { SessionSupervisor } from './session-supervisor';
import { SessionRepository } from './session.repository';
import { WhatsAppGroups } from './whatsapp-groups';
import { WhatsAppChatState } from './whatsapp-chat-state';
import { WhatsAppContacts } from './whatsapp-contacts';
import { WhatsappIngest } from './whatsapp-ingest';
import { WhatsAppPolls } from './whatsapp-polls';
import {
  ChatStatePort,
  ClusterPort,
  ContactsPort,
  GroupsPort,
  InboundMediaPort,
  LiveSessionPort,
  MessageEditsPort,
  PollsPort,
  SendQueuePort,
  SendReceiptsPort,
  WhatsAppPort,
} from './whatsapp.port';

/**
 * WhatsApp: one Baileys socket per session held by this process, its encrypted auth state, leases,
 * reconnects, and the session records (whatsapp_sessions). Others use the WhatsAppPort and the
 * SessionRepository; WhatsAppSocketSettings comes from AppModule, beside the configuration.
 */
@Module({
  imports: [CryptoModule, EgressModule, HealthModule, MediaModule, MessagesModule, OutboxModule],
  providers: [
    AuthKeyWriter,
    AuthStateStore,
    AutoReader,
    ConnectionRegistry,
    { provide: WhatsAppPort, useExisting: ConnectionRegistry },
    GroupEventLog,
    GroupMetadataStore,
    GroupNotices,
    WhatsAppGroups,
    CommandRelay,
    { provide: LiveSessionPort, useExisting: CommandRelay },
    SessionCommands,
    // The ports the API uses run where the session is held, here or on another process (CommandRelay).
    {
      provide: GroupsPort,
      inject: [CommandRelay],
      useFactory: (relay: CommandRelay) => relay.port('groups'),
    },
    InboundMediaQueue,
    InboundRevisions,
    LidMappings,
    MessageEdits,
    {
      provide: MessageEditsPort,
      inject: [CommandRelay],
      useFactory: (relay: CommandRelay) => relay.port('edits'),
    },
    { provide: InboundMediaPort, useExisting: InboundMediaQueue },
    OutboundMessages,
    OutboundDispatcher,
    OutboundReceipts,
    { provide: SendReceiptsPort, useExisting: OutboundReceipts },
    OutboundRetention,
    OutboundSends,
    { provide: SendQueuePort, useExisting: OutboundSends },
    PresenceReporter,
    WhatsAppChatState,
    {
      provide: ChatStatePort,
      inject: [CommandRelay],
      useFactory: (relay: CommandRelay) => relay.port('chatState'),
    },
    ContactUpdates,
    WhatsAppContacts,
    {
      provide: ContactsPort,
      inject: [CommandRelay],
      useFactory: (relay: CommandRelay) => relay.port('contacts'),
    },
    PollVotes,
    WhatsAppPolls,
    { provide: PollsPort, useExisting: WhatsAppPolls },
    GatewayInstances,
    { provide: ClusterPort, useExisting: GatewayInstances },
    SessionBalancer,
    SessionLeases,
    SessionProxies,
    SessionRepository,
    SessionRestore,
    SessionSupervisor,
    WhatsappIngest,
  ],
  exports: [
    LiveSessionPort,
    ClusterPort,
    WhatsAppPort,
    InboundMediaPort,
    MessageEditsPort,
    GroupsPort,
    PollsPort,
    ChatStatePort,
    ContactsPort,
    SendQueuePort,
    SendReceiptsPort,
    SessionProxies,
    SessionRepository,
  ],
})
export class WhatsappModule implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly sessions: SessionRepository,
    private readonly capture: MessageCapture,
  ) {}

  onModuleInit(): void {
    this.health.register('sessions', () => this.sessions.statusCounts(), { needsDatabase: true });
    // The capture this module feeds: messages going to the journal (the database failed) is degraded.
    this.health.register('capture', () => this.capture.state());
    this.health.registerCheck('capture', () =>
      this.capture.state().journaling ? 'messages are journaled until the database takes them' : null,
    );
  }
}
