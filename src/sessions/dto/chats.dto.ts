import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import type { ChatKindValue } from '../../common/domain-events';

export const CHAT_LIST_KINDS: readonly ChatKindValue[] = [
  'direct',
  'group',
  'status',
  'newsletter',
  'broadcast',
];

/** Shared by the chats and contacts lists: a page size and the previous page's nextCursor. */
class PageQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Part of a name, a phone number or a JID' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  search?: string;
}

export class ListChatsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CHAT_LIST_KINDS, description: 'What kind of chat' })
  @IsOptional()
  @IsIn(CHAT_LIST_KINDS)
  kind?: ChatKindValue;
}

export class ListContactsQuery extends PageQuery {}
