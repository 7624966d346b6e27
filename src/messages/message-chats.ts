import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { MessageCapture } from './message-capture.service';

/** A LID's user part and the phone digits it stands for. */
export interface LidPhone {
  lid: string;
  phone: string;
}

/** Pairs per statement: a CASE of this many arms stays a small query. */
const CHUNK = 200;

/**
 * One contact is one chat: messages stored while the session knew a contact only by its LID take
 * its phone number once the mapping is learned (chat_jid, from/to, the author of group messages),
 * and the chat's and the contact's rows kept under the LID merge into those of the phone number.
 */
@Injectable()
export class MessageChats {
  constructor(
    private readonly prisma: PrismaService,
    private readonly capture: MessageCapture,
  ) {}

  /**
   * Rewrites the session's messages stored under these LIDs. Messages queued before the mapping was
   * known are written first, so none of them is left behind under its LID.
   */
  async adoptPhones(sessionId: string, pairs: LidPhone[]): Promise<number> {
    if (pairs.length === 0) return 0;
    await this.capture.written();
    let changed = 0;
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const chunk = pairs.slice(i, i + CHUNK);
      const lidJids = chunk.map((p) => `${p.lid}@lid`);
      const phoneOf = (column: string) =>
        Prisma.join(
          chunk.map((p) => Prisma.sql`WHEN ${`${p.lid}@lid`} THEN ${p.phone}`),
          ' ',
          `CASE ${column} `,
          ' END',
        );
      // A direct chat addressed by LID: its phone JID, with the LID kept alongside.
      changed += await this.prisma.$executeRaw`
        UPDATE messages SET
          chat_lid = chat_jid,
          from_number = IF(direction = 'inbound', ${phoneOf('chat_jid')}, from_number),
          to_number = IF(direction = 'outbound', ${phoneOf('chat_jid')}, to_number),
          chat_jid = CONCAT(${phoneOf('chat_jid')}, '@s.whatsapp.net')
        WHERE session_id = ${sessionId} AND chat_jid IN (${Prisma.join(lidJids)})`;
      // The author of group, status and broadcast-list messages.
      changed += await this.prisma.$executeRaw`
        UPDATE messages SET
          from_number = IF(direction = 'inbound', ${phoneOf('participant_lid')}, from_number),
          participant = ${phoneOf('participant_lid')}
        WHERE session_id = ${sessionId} AND participant_lid IN (${Prisma.join(lidJids)})
          AND participant IS NULL`;
      await this.mergeRows(sessionId, lidJids, phoneOf);
    }
    return changed;
  }

  /**
   * The chats and contacts rows of these LIDs go under the phone JID (merged into a row already
   * there: unread counts add up, the later last message wins, a name already known is kept).
   */
  private async mergeRows(
    sessionId: string,
    lidJids: string[],
    phoneOf: (column: string) => Prisma.Sql,
  ): Promise<void> {
    const now = new Date();
    const lids = Prisma.join(lidJids);
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
      INSERT INTO chats (session_id, chat_jid, kind, chat_lid, last_message_id, last_message_at,
        unread_count, updated_at)
      SELECT old.session_id, CONCAT(${phoneOf('old.chat_jid')}, '@s.whatsapp.net'), old.kind, old.chat_jid,
        old.last_message_id, old.last_message_at, old.unread_count, ${now}
      FROM chats AS old
      WHERE old.session_id = ${sessionId} AND old.chat_jid IN (${lids})
      ON DUPLICATE KEY UPDATE
        last_message_id = IF(VALUES(last_message_at) > chats.last_message_at, VALUES(last_message_id),
          chats.last_message_id),
        last_message_at = GREATEST(chats.last_message_at, VALUES(last_message_at)),
        chat_lid = VALUES(chat_lid),
        unread_count = chats.unread_count + VALUES(unread_count),
        updated_at = VALUES(updated_at)`,
      this.prisma.$executeRaw`
      DELETE FROM chats WHERE session_id = ${sessionId} AND chat_jid IN (${lids})`,
      this.prisma.$executeRaw`
      INSERT INTO contacts (session_id, jid, phone, lid, push_name, saved_name, verified_name, updated_at)
      SELECT old.session_id, CONCAT(${phoneOf('old.jid')}, '@s.whatsapp.net'), ${phoneOf('old.jid')}, old.jid,
        old.push_name, old.saved_name, old.verified_name, ${now}
      FROM contacts AS old
      WHERE old.session_id = ${sessionId} AND old.jid IN (${lids})
      ON DUPLICATE KEY UPDATE
        lid = VALUES(lid),
        push_name = COALESCE(contacts.push_name, VALUES(push_name)),
        saved_name = COALESCE(contacts.saved_name, VALUES(saved_name)),
        verified_name = COALESCE(contacts.verified_name, VALUES(verified_name)),
        updated_at = VALUES(updated_at)`,
      this.prisma.$executeRaw`
      DELETE FROM contacts WHERE session_id = ${sessionId} AND jid IN (${lids})`,
    ]);
  }
}
