import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_ROLE, OPERATOR_ROLES, Roles, SessionToken } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import type { SessionRecord } from '../whatsapp/session.repository';
import { ListChatsQuery, ListContactsQuery } from './dto/chats.dto';
import { SessionContacts } from './session-contacts.service';
import { SessionParam } from './session.pipe';

/** A session's chats (last message, unread count) and contacts (names, picture, about), and blocking. */
@ApiTags('session chats and contacts')
@Controller('api/v1/sessions/:id')
export class SessionContactsController {
  constructor(private readonly contacts: SessionContacts) {}

  @Get('chats')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Chats retrieved successfully')
  @ApiOperation({ summary: 'The chats, newest activity first: last message, unread count, kind, name' })
  chats(@SessionParam() session: SessionRecord, @Query() query: ListChatsQuery) {
    return this.contacts.listChats(session.id, query);
  }

  @Get('contacts')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Contacts retrieved successfully')
  @ApiOperation({ summary: 'The contacts the session knows: phone, LID, push name, saved name' })
  list(@SessionParam() session: SessionRecord, @Query() query: ListContactsQuery) {
    return this.contacts.listContacts(session.id, query);
  }

  @Get('contacts/:phone')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Contact retrieved successfully')
  @ApiOperation({
    summary: 'One contact: stored names, and the profile picture URL and about text asked live',
  })
  one(@SessionParam() session: SessionRecord, @Param('phone') phone: string) {
    return this.contacts.contact(session.id, phone);
  }

  @Get('contacts/:phone/profile-picture')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Profile picture retrieved successfully')
  @ApiOperation({ summary: 'The profile picture URL (null when none, or not shown to this account)' })
  picture(@SessionParam() session: SessionRecord, @Param('phone') phone: string) {
    return this.contacts.profilePicture(session.id, phone);
  }

  @Post('contacts/:phone/block')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Contact blocked')
  @ApiOperation({ summary: 'Block a contact (it can no longer message or call the account)' })
  block(@SessionParam() session: SessionRecord, @Param('phone') phone: string) {
    return this.contacts.setBlocked(session.id, phone, true);
  }

  @Post('contacts/:phone/unblock')
  @HttpCode(200)
  @SessionToken()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Contact unblocked')
  @ApiOperation({ summary: 'Unblock a contact' })
  unblock(@SessionParam() session: SessionRecord, @Param('phone') phone: string) {
    return this.contacts.setBlocked(session.id, phone, false);
  }

  @Get('blocklist')
  @SessionToken()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Block list retrieved successfully')
  @ApiOperation({ summary: "The account's block list, as WhatsApp answers it now" })
  blocklist(@SessionParam() session: SessionRecord) {
    return this.contacts.blocklist(session.id);
  }
}
