import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import type { GroupMetadata } from './baileys';
import { participantPairs } from './group-members';
import { LidMappings } from './lid-mappings';

/** Groups kept in memory across all sessions of this process (least recently used go first). */
const MEMORY_LIMIT = 5_000;
const SUBJECT_MAX = 255;

const keyOf = (sessionId: string, groupJid: string): string => `${sessionId}\u0000${groupJid}`;

/**
 * The metadata of each session's groups (`group_metadata`), with an LRU in memory in front. Baileys
 * reads it before every send to a group (`cachedGroupMetadata`), so a send does not query WhatsApp
 * each time; it is stored so a restart does not start cold. Kept current by the group notifications
 * (GroupNotices) and by the groups API. Writes are best-effort: a failed write costs a later query,
 * never a send.
 */
@Injectable()
export class GroupMetadataStore {
  private readonly logger = new Logger(GroupMetadataStore.name);
  private readonly memory = new Map<string, GroupMetadata>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly lids: LidMappings,
  ) {}

  /** The stored metadata of a group, or undefined when none is kept. */
  async get(sessionId: string, groupJid: string): Promise<GroupMetadata | undefined> {
    const key = keyOf(sessionId, groupJid);
    const cached = this.memory.get(key);
    if (cached) {
      this.memory.delete(key);
      this.memory.set(key, cached);
      return cached;
    }
    const row = await this.prisma.groupMetadata
      .findUnique({ where: { sessionId_groupJid: { sessionId, groupJid } }, select: { data: true } })
      .catch((error: unknown) => {
        this.logger.warn({ err: error, sessionId }, 'Could not read stored group metadata');
        return null;
      });
    if (!row) return undefined;
    const metadata = JSON.parse(row.data) as GroupMetadata;
    this.remember(key, metadata);
    return metadata;
  }

  /** Keeps a group's metadata (in memory at once, in the database after). */
  async put(sessionId: string, metadata: GroupMetadata): Promise<void> {
    if (!metadata?.id || !Array.isArray(metadata.participants)) return;
    this.remember(keyOf(sessionId, metadata.id), metadata);
    // Participant lists name people by LID and phone: the session's LID store learns them.
    this.lids.record(sessionId, participantPairs(metadata.participants));
    const data = JSON.stringify(metadata);
    const subject = (metadata.subject ?? '').slice(0, SUBJECT_MAX);
    await this.prisma.groupMetadata
      .upsert({
        where: { sessionId_groupJid: { sessionId, groupJid: metadata.id } },
        create: { sessionId, groupJid: metadata.id, subject, data },
        update: { subject, data },
      })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, sessionId }, 'Could not store group metadata'),
      );
  }

  /** Changes a kept group (a notification or a change made through the API); nothing when none is kept. */
  async patch(
    sessionId: string,
    groupJid: string,
    change: (metadata: GroupMetadata) => GroupMetadata,
  ): Promise<void> {
    const current = await this.get(sessionId, groupJid);
    if (current) await this.put(sessionId, change(structuredClone(current)));
  }

  /** Forgets a group (the account left or was removed). */
  async remove(sessionId: string, groupJid: string): Promise<void> {
    this.memory.delete(keyOf(sessionId, groupJid));
    await this.prisma.groupMetadata
      .deleteMany({ where: { sessionId, groupJid } })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, sessionId }, 'Could not forget group metadata'),
      );
  }

  private remember(key: string, metadata: GroupMetadata): void {
    this.memory.delete(key);
    this.memory.set(key, metadata);
    if (this.memory.size > MEMORY_LIMIT) this.memory.delete(this.memory.keys().next().value!);
  }
}
