import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SYSTEM_ACTOR } from '../../auth/actor';
import { DomainEvents } from '../../common/domain-events';
import { SessionsService } from '../../sessions/sessions.service';
import { SessionRepository } from '../../whatsapp/session.repository';
import { SandboxService } from './sandbox.service';

export const DEMO_SESSION_ID = 'demo';
export const DEMO_PHONE = '6281299990000';
export const DEMO_CONTACTS = [
  { phoneNumber: '6281100000001', pushName: 'Alice (answers back)', autoReply: 'echo' },
  { phoneNumber: '6281100000002', pushName: 'Budi' },
  { phoneNumber: '6281100000003', pushName: 'Citra' },
] as const;

const GREETINGS: Record<string, string> = {
  '6281100000001': 'Hi! I am Alice, a simulated contact. Send me a text and I will answer.',
  '6281100000002': 'Halo from Budi. This message came through the WhatsApp simulator.',
  '6281100000003': 'Citra here: no phone, no network, no ban risk.',
};

/**
 * Sandbox mode's demo: simulated contacts, and a `demo` session that links itself to a simulated
 * phone whenever it shows a QR (also after a restart, since the simulator forgets devices), after
 * which the contacts write to it. A newcomer sees the product work with no human step.
 */
@Injectable()
export class SandboxDemo implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sandbox');
  private readonly off: (() => void)[] = [];
  private linking = false;

  constructor(
    private readonly sandbox: SandboxService,
    private readonly sessions: SessionsService,
    private readonly events: DomainEvents,
    private readonly records: SessionRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.logger.warn('SANDBOX MODE: WhatsApp is simulated in-process; nothing reaches the real WhatsApp.');
    for (const c of DEMO_CONTACTS)
      this.sandbox.createContact(c.phoneNumber, c.pushName, 'autoReply' in c ? c.autoReply : undefined);
    this.off.push(
      this.events.on('session.qr', ({ sessionId, qr }) => {
        // One scan at a time: a QR that rotates while a pairing completes must not link twice.
        if (sessionId !== DEMO_SESSION_ID || this.linking) return;
        this.linking = true;
        this.sandbox.simulator
          .linkDevice(qr, { phoneNumber: DEMO_PHONE, pushName: 'Demo phone' })
          .catch((error: unknown) => this.logger.warn(`Demo link failed: ${String(error)}`))
          .finally(() => (this.linking = false));
      }),
      this.events.on('session.status', ({ sessionId, status, previous }) => {
        if (sessionId !== DEMO_SESSION_ID) return;
        if (status === 'connected' && previous !== 'connected') void this.greet();
        // The simulator forgets linked devices when it restarts: link again instead of staying out.
        if (status === 'logged_out') void this.reconnect().catch(() => undefined);
      }),
    );
    const existing = await this.records.find(DEMO_SESSION_ID);
    if (!existing) {
      await this.sessions.create({ id: DEMO_SESSION_ID, name: 'Demo (sandbox)' }, SYSTEM_ACTOR);
    } else if (!existing.shouldConnect) {
      await this.sessions.connect(existing, null);
    }
  }

  private async reconnect(): Promise<void> {
    await this.sessions.connect(await this.sessions.require(DEMO_SESSION_ID), null);
  }

  onModuleDestroy(): void {
    for (const off of this.off) off();
  }

  private async greet(): Promise<void> {
    for (const c of DEMO_CONTACTS) {
      await this.sandbox
        .contactSends(c.phoneNumber, DEMO_SESSION_ID, GREETINGS[c.phoneNumber])
        .catch(() => undefined);
    }
  }
}
