import { Body, Controller, Delete, Get, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestActor, type Actor } from '../auth/actor';
import { ANY_ROLE, OPERATOR_ROLES, Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { CreateRecipientDto, RecipientQueryDto, UpdateRecipientDto } from './dto/recipient.dto';
import { RecipientsService } from './recipients.service';

@ApiTags('recipient lists')
@Controller('api/v1/recipient-lists/:listId/recipients')
export class RecipientsController {
  constructor(private readonly recipients: RecipientsService) {}

  @Get()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Recipients retrieved successfully')
  @ApiOperation({ summary: 'The recipients of a list, paginated, optionally filtered by phone or name' })
  page(@Param('listId', ParseIntPipe) listId: number, @Query() query: RecipientQueryDto) {
    return this.recipients.page(listId, query);
  }

  @Post()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Recipient added successfully')
  @ApiOperation({ summary: 'Add one recipient (409 when the phone is already in the list)' })
  add(
    @Param('listId', ParseIntPipe) listId: number,
    @Body() dto: CreateRecipientDto,
    @RequestActor() actor: Actor,
  ) {
    return this.recipients.add(listId, dto, actor);
  }

  @Patch(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Recipient updated successfully')
  @ApiOperation({ summary: "Change a recipient's name or variables" })
  update(
    @Param('listId', ParseIntPipe) listId: number,
    @Param('id', ParseIntPipe) id: number,
    @Body() dto: UpdateRecipientDto,
    @RequestActor() actor: Actor,
  ) {
    return this.recipients.update(listId, id, dto, actor);
  }

  @Delete(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Recipient removed successfully')
  @ApiOperation({ summary: 'Remove a recipient from the list' })
  async remove(
    @Param('listId', ParseIntPipe) listId: number,
    @Param('id', ParseIntPipe) id: number,
    @RequestActor() actor: Actor,
  ) {
    await this.recipients.remove(listId, id, actor);
    return null;
  }
}
