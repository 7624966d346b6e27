import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import type { Actor } from '../auth/actor';
import { validationFailed } from '../common/errors';
import { groupJidOfParam } from '../common/group-jid';
import { GroupsPort, type GroupParticipantAction } from '../whatsapp/whatsapp.port';
import type { CreateGroupDto, UpdateGroupDto } from './dto/group.dto';
import { MessageSender } from './message-sender.service';

/** Where invite links point; the code is the last path segment (letters, digits, and - _ as base64url). */
const INVITE_LINK = /^https?:\/\/chat\.whatsapp\.com\/(?:invite\/)?([\w-]{6,64})\/?$/;
const INVITE_CODE = /^[\w-]{6,64}$/;

/** Turns the groups API's input (phone numbers, group ids, invite links) into WhatsApp's and back. */
@Injectable()
export class SessionGroups {
  constructor(
    private readonly groups: GroupsPort,
    private readonly sender: MessageSender,
    private readonly activity: ActivityService,
  ) {}

  list(sessionId: string) {
    return this.groups.list(sessionId);
  }

  details(sessionId: string, groupId: string) {
    return this.groups.details(sessionId, this.groupJid(groupId));
  }

  async create(sessionId: string, dto: CreateGroupDto, actor: Actor) {
    const group = await this.groups.create(sessionId, dto.subject, this.participantJids(dto.participants));
    await this.audit('group.created', sessionId, actor, {
      groupId: group.id,
      participants: dto.participants.length,
    });
    return group;
  }

  async update(sessionId: string, groupId: string, dto: UpdateGroupDto, actor: Actor) {
    const jid = this.groupJid(groupId);
    const { subject, description, announce, restrict } = dto;
    if ([subject, description, announce, restrict].every((v) => v === undefined))
      throw validationFailed([
        { field: 'subject', errors: ['give at least one of subject, description, announce, restrict'] },
      ]);
    const group = await this.groups.update(sessionId, jid, { subject, description, announce, restrict });
    const changed = Object.keys(dto).filter((k) => dto[k as keyof UpdateGroupDto] !== undefined);
    await this.audit('group.updated', sessionId, actor, { groupId: jid, changed });
    return group;
  }

  async changeParticipants(
    sessionId: string,
    groupId: string,
    action: GroupParticipantAction,
    phones: string[],
    actor: Actor,
  ) {
    const jid = this.groupJid(groupId);
    const results = await this.groups.changeParticipants(
      sessionId,
      jid,
      action,
      this.participantJids(phones),
    );
    const ok = results.filter((r) => r.status === 'ok').length;
    await this.audit('group.participants', sessionId, actor, {
      groupId: jid,
      action,
      ok,
      refused: results.length - ok,
    });
    return results;
  }

  async leave(sessionId: string, groupId: string, actor: Actor) {
    const groupJid = this.groupJid(groupId);
    await this.groups.leave(sessionId, groupJid);
    await this.audit('group.left', sessionId, actor, { groupId: groupJid });
    return { groupId: groupJid };
  }

  async invite(sessionId: string, groupId: string) {
    const groupJid = this.groupJid(groupId);
    return inviteView(groupJid, await this.groups.inviteCode(sessionId, groupJid));
  }

  async revokeInvite(sessionId: string, groupId: string, actor: Actor) {
    const groupJid = this.groupJid(groupId);
    const code = await this.groups.revokeInvite(sessionId, groupJid);
    await this.audit('group.invite_revoked', sessionId, actor, { groupId: groupJid });
    return inviteView(groupJid, code);
  }

  async join(sessionId: string, codeOrLink: string, actor: Actor) {
    const value = codeOrLink.trim();
    const code = INVITE_LINK.exec(value)?.[1] ?? (INVITE_CODE.test(value) ? value : null);
    if (!code) throw validationFailed([{ field: 'code', errors: ['not an invite code or link'] }]);
    const groupId = await this.groups.join(sessionId, code);
    await this.audit('group.joined', sessionId, actor, { groupId });
    return { groupId };
  }

  /** Group changes go to the activity log against the session (who, which group; no phone numbers). */
  private audit(action: string, sessionId: string, actor: Actor, metadata: Record<string, unknown>) {
    return this.activity.record({
      ...audited(actor),
      action,
      targetType: 'session',
      targetId: sessionId,
      metadata,
    });
  }

  /** The route's `:groupId` (the full jid or its user part); 400 naming `groupId` otherwise. */
  private groupJid(groupId: string): string {
    const jid = groupJidOfParam(groupId);
    if (!jid)
      throw validationFailed([{ field: 'groupId', errors: ['not a valid group id (<digits>@g.us)'] }]);
    return jid;
  }

  private participantJids(phones: string[]): string[] {
    return [...new Set(phones.map((p, i) => this.sender.jidOf(p, `participants.${i}`)))];
  }
}

const inviteView = (groupId: string, code: string) => ({
  groupId,
  code,
  link: `https://chat.whatsapp.com/${code}`,
});
