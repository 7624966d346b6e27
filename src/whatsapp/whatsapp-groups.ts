import { Injectable } from '@nestjs/common';
import { isJidGroup, type GroupMetadata, type GroupParticipant, type WASocket } from './baileys';
import { ConnectionRegistry } from './connection-registry';
import { groupErrorOf } from './group-errors';
import { participantMember, sameParticipant } from './group-members';
import { GroupMetadataStore } from './group-metadata-store';
import { LidMappings } from './lid-mappings';
import { rotateOwnSenderKey } from './sender-key-rotation';
import {
  GroupsPort,
  type GroupDetails,
  type GroupParticipantAction,
  type GroupRole,
  type GroupSettingsChange,
  type GroupView,
  type ParticipantResult,
} from './whatsapp.port';

const userOf = (jid: string): string => jid.split('@')[0].split(':')[0];

const roleOf = (p: GroupParticipant): GroupRole =>
  p.admin === 'superadmin' ? 'superadmin' : p.admin === 'admin' ? 'admin' : 'member';

const STATUS_OF: Record<number, ParticipantResult['status']> = {
  200: 'ok',
  403: 'forbidden',
  404: 'not_found',
  406: 'not_acceptable',
  409: 'conflict',
};

/**
 * The groups of the sessions this process holds, through Baileys' group queries. Every answer that
 * carries metadata is kept in the GroupMetadataStore (so later sends need no query), and a removal
 * rotates the session's sender key before it answers, so the next message is unreadable to whoever
 * was removed even if it is sent before WhatsApp's notification arrives.
 */
@Injectable()
export class WhatsAppGroups extends GroupsPort {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly store: GroupMetadataStore,
    private readonly lids: LidMappings,
  ) {
    super();
  }

  async list(sessionId: string): Promise<GroupView[]> {
    const socket = this.registry.connectedSocket(sessionId);
    const groups = Object.values(await this.query(null, () => socket.groupFetchAllParticipating()));
    for (const group of groups) await this.store.put(sessionId, group);
    return Promise.all(groups.map((g) => this.view(sessionId, socket, g)));
  }

  async details(sessionId: string, groupJid: string): Promise<GroupDetails> {
    const socket = this.registry.connectedSocket(sessionId);
    return this.detailsOf(sessionId, socket, await this.refresh(sessionId, socket, groupJid));
  }

  async create(sessionId: string, subject: string, participants: string[]): Promise<GroupDetails> {
    const socket = this.registry.connectedSocket(sessionId);
    const metadata = await this.query(null, () => socket.groupCreate(subject, participants));
    await this.store.put(sessionId, metadata);
    return this.detailsOf(sessionId, socket, metadata);
  }

  async update(sessionId: string, groupJid: string, change: GroupSettingsChange): Promise<GroupDetails> {
    const socket = this.registry.connectedSocket(sessionId);
    await this.query(groupJid, async () => {
      if (change.subject !== undefined) await socket.groupUpdateSubject(groupJid, change.subject);
      if (change.description !== undefined)
        await socket.groupUpdateDescription(groupJid, change.description || undefined);
      if (change.announce !== undefined)
        await socket.groupSettingUpdate(groupJid, change.announce ? 'announcement' : 'not_announcement');
      if (change.restrict !== undefined)
        await socket.groupSettingUpdate(groupJid, change.restrict ? 'locked' : 'unlocked');
    });
    return this.detailsOf(sessionId, socket, await this.refresh(sessionId, socket, groupJid));
  }

  async changeParticipants(
    sessionId: string,
    groupJid: string,
    action: GroupParticipantAction,
    participants: string[],
  ): Promise<ParticipantResult[]> {
    const socket = this.registry.connectedSocket(sessionId);
    const answers = await this.query(groupJid, () =>
      socket.groupParticipantsUpdate(groupJid, participants, action),
    );
    const results = participants.map((jid, i): ParticipantResult => {
      const answer = answers.find((a) => a.jid && userOf(a.jid) === userOf(jid)) ?? answers[i];
      const code = Number(answer?.status ?? 500) || 500;
      return { phoneNumber: userOf(jid), status: STATUS_OF[code] ?? 'failed', code };
    });
    const changed = results.some((r) => r.status === 'ok');
    if (changed && action === 'remove') {
      // Before answering: a send right after this must not use the key the removed ones hold.
      const gone = participants.filter((_, i) => results[i].status === 'ok');
      await this.store.patch(sessionId, groupJid, (m) => {
        const kept = m.participants.filter((p) => !sameParticipant(p, gone));
        return { ...m, participants: kept, size: kept.length };
      });
      await rotateOwnSenderKey(socket, groupJid);
    }
    if (changed) await this.refresh(sessionId, socket, groupJid).catch(() => undefined);
    return results;
  }

  async leave(sessionId: string, groupJid: string): Promise<void> {
    const socket = this.registry.connectedSocket(sessionId);
    await this.query(groupJid, () => socket.groupLeave(groupJid));
    await this.store.remove(sessionId, groupJid);
    await rotateOwnSenderKey(socket, groupJid);
  }

  async inviteCode(sessionId: string, groupJid: string): Promise<string> {
    const socket = this.registry.connectedSocket(sessionId);
    return (await this.query(groupJid, () => socket.groupInviteCode(groupJid))) ?? '';
  }

  async revokeInvite(sessionId: string, groupJid: string): Promise<string> {
    const socket = this.registry.connectedSocket(sessionId);
    return (await this.query(groupJid, () => socket.groupRevokeInvite(groupJid))) ?? '';
  }

  async join(sessionId: string, code: string): Promise<string> {
    const socket = this.registry.connectedSocket(sessionId);
    const jid = await this.query(null, () => socket.groupAcceptInvite(code), { invite: true });
    if (!jid || !isJidGroup(jid)) return jid ?? '';
    await this.refresh(sessionId, socket, jid).catch(() => undefined);
    return jid;
  }

  /** Asks WhatsApp for a group's metadata and keeps it. */
  private async refresh(sessionId: string, socket: WASocket, groupJid: string): Promise<GroupMetadata> {
    const metadata = await this.query(groupJid, () => socket.groupMetadata(groupJid));
    await this.store.put(sessionId, metadata);
    return metadata;
  }

  /** Runs a group query; WhatsApp's refusals become DomainErrors. */
  private async query<T>(groupJid: string | null, run: () => Promise<T>, options?: { invite?: boolean }) {
    try {
      return await run();
    } catch (error) {
      throw groupErrorOf(error, groupJid, options);
    }
  }

  private async view(sessionId: string, socket: WASocket, g: GroupMetadata): Promise<GroupView> {
    const known = (lid: string) => this.lids.phoneOf(sessionId, lid);
    const me = socket.authState.creds.me;
    const mine = g.participants.find((p) => sameParticipant(p, [me?.id, me?.lid]));
    const ownerJid = g.ownerPn ?? g.owner;
    const owner = ownerJid
      ? ((await participantMember(socket, { id: ownerJid }, known))?.phoneNumber ?? null)
      : null;
    return {
      id: g.id,
      subject: g.subject ?? '',
      description: g.desc ?? null,
      size: g.size ?? g.participants.length,
      owner,
      createdAt: g.creation ? new Date(g.creation * 1000).toISOString() : null,
      announce: Boolean(g.announce),
      restrict: Boolean(g.restrict),
      addressingMode: g.addressingMode === 'lid' ? 'lid' : 'pn',
      myRole: mine ? roleOf(mine) : null,
    };
  }

  private async detailsOf(sessionId: string, socket: WASocket, g: GroupMetadata): Promise<GroupDetails> {
    const known = (lid: string) => this.lids.phoneOf(sessionId, lid);
    const participants = await Promise.all(
      g.participants.map(async (p) => {
        const member = await participantMember(socket, p, known);
        return { phoneNumber: member?.phoneNumber ?? null, lid: member?.lid ?? null, role: roleOf(p) };
      }),
    );
    return { ...(await this.view(sessionId, socket, g)), participants };
  }
}
