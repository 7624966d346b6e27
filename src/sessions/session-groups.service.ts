import { Injectable } from '@nestjs/common';
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
  ) {}

  list(sessionId: string) {
    return this.groups.list(sessionId);
  }

  details(sessionId: string, groupId: string) {
    return this.groups.details(sessionId, this.groupJid(groupId));
  }

  create(sessionId: string, dto: CreateGroupDto) {
    return this.groups.create(sessionId, dto.subject, this.participantJids(dto.participants));
  }

  update(sessionId: string, groupId: string, dto: UpdateGroupDto) {
    const jid = this.groupJid(groupId);
    const { subject, description, announce, restrict } = dto;
    if ([subject, description, announce, restrict].every((v) => v === undefined))
      throw validationFailed([
        { field: 'subject', errors: ['give at least one of subject, description, announce, restrict'] },
      ]);
    return this.groups.update(sessionId, jid, { subject, description, announce, restrict });
  }

  changeParticipants(sessionId: string, groupId: string, action: GroupParticipantAction, phones: string[]) {
    const jid = this.groupJid(groupId);
    return this.groups.changeParticipants(sessionId, jid, action, this.participantJids(phones));
  }

  async leave(sessionId: string, groupId: string) {
    const groupJid = this.groupJid(groupId);
    await this.groups.leave(sessionId, groupJid);
    return { groupId: groupJid };
  }

  async invite(sessionId: string, groupId: string) {
    const groupJid = this.groupJid(groupId);
    return inviteView(groupJid, await this.groups.inviteCode(sessionId, groupJid));
  }

  async revokeInvite(sessionId: string, groupId: string) {
    const groupJid = this.groupJid(groupId);
    return inviteView(groupJid, await this.groups.revokeInvite(sessionId, groupJid));
  }

  async join(sessionId: string, codeOrLink: string) {
    const value = codeOrLink.trim();
    const code = INVITE_LINK.exec(value)?.[1] ?? (INVITE_CODE.test(value) ? value : null);
    if (!code) throw validationFailed([{ field: 'code', errors: ['not an invite code or link'] }]);
    return { groupId: await this.groups.join(sessionId, code) };
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
