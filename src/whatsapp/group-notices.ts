import { Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { GroupMember } from '../common/domain-events';
import {
  baileys,
  isJidGroup,
  type GroupMetadata,
  type GroupParticipant,
  type WAMessage,
  type WASocket,
} from './baileys';
import { GroupEventLog, type GroupEventToReport } from './group-event-log';
import { memberOf, participantMember, sameParticipant } from './group-members';
import { GroupMetadataStore } from './group-metadata-store';
import { LidMappings } from './lid-mappings';
import { rotateOwnSenderKey } from './sender-key-rotation';

/** What a session's socket gets from the groups side: the metadata cache and the group listeners. */
export interface GroupSocketHooks {
  /** Baileys' `cachedGroupMetadata`: the kept metadata, fetched once (and kept) when missing. */
  cachedGroupMetadata(groupJid: string): Promise<GroupMetadata | undefined>;
  /** Subscribes to the socket's group events (called once per socket, right after it is made). */
  attach(socket: WASocket): void;
}

let participantActions: Partial<Record<number, GroupParticipantsAction>> | undefined;
/** The membership change a stub message reports (the table is made at first use: Baileys loads late). */
const participantActionOf = (stub: number): GroupParticipantsAction | undefined => {
  if (!participantActions) {
    const S = baileys().WAMessageStubType;
    participantActions = {
      [S.GROUP_PARTICIPANT_ADD]: 'added',
      [S.GROUP_PARTICIPANT_INVITE]: 'added',
      [S.GROUP_PARTICIPANT_ADD_REQUEST_JOIN]: 'added',
      [S.GROUP_PARTICIPANT_REMOVE]: 'removed',
      [S.GROUP_PARTICIPANT_LEAVE]: 'removed',
      [S.GROUP_PARTICIPANT_PROMOTE]: 'promoted',
      [S.GROUP_PARTICIPANT_DEMOTE]: 'demoted',
    };
  }
  return participantActions[stub];
};
type GroupParticipantsAction = 'added' | 'removed' | 'promoted' | 'demoted';

const onOff = (value: string | null | undefined): boolean => value === 'on' || value === 'true';

/** The role a participant has after a promote or demote. */
const roleAfter = (action: string): GroupParticipant['admin'] => (action === 'promote' ? 'admin' : null);

/**
 * Group notifications of a session's socket: keeps the metadata cache current (`groups.upsert`,
 * `groups.update`, `group-participants.update`), rotates the session's sender key when someone
 * leaves or is removed, and reports `group.*` events from the notifications themselves (Baileys
 * hands them over as stub messages whose id is the notification's, which makes them idempotent).
 */
@Injectable()
export class GroupNotices {
  constructor(
    private readonly store: GroupMetadataStore,
    private readonly log: GroupEventLog,
    private readonly lids: LidMappings,
  ) {}

  forSession(sessionId: string, logger: Logger): GroupSocketHooks {
    let socket: WASocket | null = null;
    const fetching = new Map<string, Promise<GroupMetadata | undefined>>();
    // Changes to the cache, and events, are applied in the order WhatsApp sent them (one at a time,
    // so two changes to one group cannot overwrite each other).
    let changing: Promise<unknown> = Promise.resolve();
    let reporting: Promise<unknown> = Promise.resolve();
    const failed = (what: string) => (error: unknown) => logger.warn({ err: error }, `Groups: ${what}`);
    const inOrder = (what: string, change: () => Promise<void>) => {
      changing = changing.then(change).catch(failed(what));
    };

    return {
      cachedGroupMetadata: async (groupJid) => {
        const kept = await this.store.get(sessionId, groupJid);
        if (kept || !socket) return kept;
        // Sends to one group at once share one query.
        let pending = fetching.get(groupJid);
        if (!pending) {
          pending = socket
            .groupMetadata(groupJid)
            .then(async (metadata) => {
              await this.store.put(sessionId, metadata);
              return metadata;
            })
            .finally(() => fetching.delete(groupJid));
          fetching.set(groupJid, pending);
        }
        return pending;
      },
      attach: (s) => {
        socket = s;
        s.ev.on('groups.upsert', (groups) => {
          for (const group of groups) inOrder('keep metadata', () => this.store.put(sessionId, group));
        });
        s.ev.on('groups.update', (updates) => {
          for (const update of updates) inOrder('update metadata', () => this.applyUpdate(sessionId, update));
        });
        s.ev.on('group-participants.update', (update) => {
          inOrder('update participants', () => this.applyParticipants(sessionId, s, update));
        });
        s.ev.on('messages.upsert', ({ messages }) => {
          const notices = messages.filter(
            (m) => m.messageStubType && isJidGroup(m.key.remoteJid ?? undefined),
          );
          if (!notices.length) return;
          reporting = reporting
            .then(() => this.report(sessionId, s, notices))
            .catch(failed('report group events'));
        });
      },
    };
  }

  /** A subject, description or setting changed, or a full list arrived (groupFetchAllParticipating). */
  private async applyUpdate(sessionId: string, update: Partial<GroupMetadata>): Promise<void> {
    if (!update.id) return;
    if (Array.isArray(update.participants) && update.subject !== undefined) {
      await this.store.put(sessionId, update as GroupMetadata);
      return;
    }
    const { id, author: _a, authorPn: _p, authorUsername: _u, ...fields } = update;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    await this.store.patch(sessionId, id, (metadata) => ({ ...metadata, ...defined }));
  }

  private async applyParticipants(
    sessionId: string,
    socket: WASocket,
    update: { id: string; participants: GroupParticipant[]; action: string },
  ): Promise<void> {
    const me = socket.authState.creds.me;
    const jids = update.participants.flatMap((p) => [p.id, p.phoneNumber, p.lid]);
    if (update.action === 'remove') {
      if (update.participants.some((p) => sameParticipant(p, [me?.id, me?.lid]))) {
        await this.store.remove(sessionId, update.id);
      } else {
        await this.store.patch(sessionId, update.id, (metadata) => withoutParticipants(metadata, jids));
      }
      await rotateOwnSenderKey(socket, update.id);
      return;
    }
    await this.store.patch(sessionId, update.id, (metadata) => {
      if (update.action === 'add') {
        const added = update.participants.filter(
          (p) => !metadata.participants.some((m) => sameParticipant(m, [p.id])),
        );
        const participants = [...metadata.participants, ...added.map((p) => ({ ...p, admin: null }))];
        return { ...metadata, participants, size: participants.length };
      }
      if (update.action === 'promote' || update.action === 'demote') {
        const participants = metadata.participants.map((m) =>
          sameParticipant(m, jids) ? { ...m, admin: roleAfter(update.action) } : m,
        );
        return { ...metadata, participants };
      }
      return metadata;
    });
  }

  /** The kept metadata of a group, fetched (and kept) when missing; undefined when WhatsApp refuses. */
  private async metadataOf(
    sessionId: string,
    socket: WASocket,
    groupJid: string,
  ): Promise<GroupMetadata | undefined> {
    const kept = await this.store.get(sessionId, groupJid);
    if (kept) return kept;
    const fetched = await socket.groupMetadata(groupJid).catch(() => undefined);
    if (fetched) await this.store.put(sessionId, fetched);
    return fetched;
  }

  /** Turns group notification stubs into events and reports the ones not reported before. */
  private async report(sessionId: string, socket: WASocket, notices: WAMessage[]): Promise<void> {
    const reports: GroupEventToReport[] = [];
    for (const notice of notices) reports.push(...(await this.eventsOf(sessionId, socket, notice)));
    await this.log.report(sessionId, reports);
  }

  private async eventsOf(
    sessionId: string,
    socket: WASocket,
    notice: WAMessage,
  ): Promise<GroupEventToReport[]> {
    const { key, messageStubType: stub } = notice;
    if (!key.id || !key.remoteJid || !stub) return [];
    const S = baileys().WAMessageStubType;
    const known = (lid: string) => this.lids.phoneOf(sessionId, lid);
    const params: string[] = (notice.messageStubParameters ?? []).map(String);
    const me = socket.authState.creds.me;
    const base = {
      sessionId,
      groupId: key.remoteJid,
      author: await memberOf(socket, key.participant, key.participantAlt, known),
      noticeId: key.id,
      at: notice.messageTimestamp ? new Date(Number(notice.messageTimestamp) * 1000) : new Date(),
    };
    const authorIsMe = Boolean(
      key.participant && sameParticipant({ id: key.participant }, [me?.id, me?.lid]),
    );

    if (stub === S.GROUP_CREATE) {
      const how = authorIsMe ? 'created' : 'added';
      return [{ name: 'group.joined', event: { ...base, subject: params[0] ?? null, how } }];
    }
    const action = participantActionOf(stub);
    if (action) {
      const raw = params.map((p: string) => JSON.parse(p) as GroupParticipant);
      const participants = (await Promise.all(raw.map((p) => participantMember(socket, p, known)))).filter(
        (m): m is GroupMember => m !== null,
      );
      const reports: GroupEventToReport[] = [
        {
          name: 'group.participants',
          event: {
            ...base,
            action,
            participants,
            ...(stub === S.GROUP_PARTICIPANT_LEAVE ? { left: true } : {}),
          },
        },
      ];
      if (action === 'added' && raw.some((p) => sameParticipant(p, [me?.id, me?.lid]))) {
        const subject = (await this.metadataOf(sessionId, socket, base.groupId))?.subject ?? null;
        reports.unshift({
          name: 'group.joined',
          event: { ...base, subject, how: authorIsMe ? 'invited' : 'added' },
        });
      }
      return reports;
    }
    const changes: Extract<GroupEventToReport, { name: 'group.updated' }>['event']['changes'] = {};
    if (stub === S.GROUP_CHANGE_SUBJECT) changes.subject = params[0] ?? '';
    else if (stub === S.GROUP_CHANGE_DESCRIPTION) changes.description = params[0] ?? null;
    else if (stub === S.GROUP_CHANGE_ANNOUNCE) changes.announce = onOff(params[0]);
    else if (stub === S.GROUP_CHANGE_RESTRICT) changes.restrict = onOff(params[0]);
    else return [];
    return [{ name: 'group.updated', event: { ...base, changes } }];
  }
}

/** The metadata without these participants. */
export function withoutParticipants(
  metadata: GroupMetadata,
  jids: (string | null | undefined)[],
): GroupMetadata {
  const participants = metadata.participants.filter((p) => !sameParticipant(p, jids));
  return { ...metadata, participants, size: participants.length };
}
