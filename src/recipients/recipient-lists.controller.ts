import { pipeline, Readable } from 'node:stream';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Patch,
  Post,
  Req,
  StreamableFile,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { stringify } from 'csv-stringify';
import { ActivityService, audited } from '../activity/activity.service';
import { RequestActor, type Actor } from '../auth/actor';
import { ANY_ROLE, OPERATOR_ROLES, Roles } from '../auth/decorators';
import { RawResponse, ResponseMessage } from '../common/response.decorators';
import { CsvUploadInterceptor } from './csv-upload.interceptor';
import { CreateRecipientListDto, UpdateRecipientListDto } from './dto/recipient-list.dto';
import { RecipientImporter } from './recipient-import.service';
import { RecipientListsService } from './recipient-lists.service';
import { RecipientsService } from './recipients.service';

@ApiTags('recipient lists')
@Controller('api/v1/recipient-lists')
export class RecipientListsController {
  constructor(
    private readonly lists: RecipientListsService,
    private readonly recipients: RecipientsService,
    private readonly importer: RecipientImporter,
    private readonly activity: ActivityService,
  ) {}

  @Get()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Recipient lists retrieved successfully')
  @ApiOperation({ summary: 'Every recipient list with its number of recipients' })
  list() {
    return this.lists.list();
  }

  @Post()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Recipient list created successfully')
  @ApiOperation({ summary: 'Create an empty recipient list' })
  create(@Body() dto: CreateRecipientListDto, @RequestActor() actor: Actor) {
    return this.lists.create(dto, actor);
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Recipient list retrieved successfully')
  @ApiOperation({ summary: 'One recipient list with its number of recipients' })
  get(@Param('id', ParseIntPipe) id: number) {
    return this.lists.get(id);
  }

  @Patch(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Recipient list updated successfully')
  @ApiOperation({ summary: 'Rename a list or change its description' })
  update(
    @Param('id', ParseIntPipe) id: number,
    @Body() dto: UpdateRecipientListDto,
    @RequestActor() actor: Actor,
  ) {
    return this.lists.update(id, dto, actor);
  }

  @Delete(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Recipient list deleted successfully')
  @ApiOperation({
    summary: 'Delete a list and its recipients (409 while a draft or scheduled campaign uses it)',
  })
  async remove(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor) {
    await this.lists.remove(id, actor);
    return null;
  }

  @Post(':id/import')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @UseInterceptors(CsvUploadInterceptor)
  @ResponseMessage('Recipients imported')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: { file: { type: 'string', format: 'binary' } },
      required: ['file'],
    },
  })
  @ApiOperation({
    summary: 'Import recipients from a CSV file (multipart field "file")',
    description:
      'Columns: phone (required), name, and any other column becomes a template variable. Phones are ' +
      'normalised to E.164 (DEFAULT_COUNTRY for national numbers); a phone already in the list or seen ' +
      'earlier in the file is merged. Answers counts and the invalid rows with their line numbers. A file ' +
      'that is not CSV, has no phone column or is larger than CSV_MAX_BYTES is a 400 and changes nothing.',
  })
  async import(@Param('id', ParseIntPipe) id: number, @Req() req: Request, @RequestActor() actor: Actor) {
    await this.recipients.requireList(id);
    return this.importer.import(id, req.file!.path, actor);
  }

  @Get(':id/export')
  @Roles(...OPERATOR_ROLES)
  @RawResponse()
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'The list as CSV: phone, name and one column per variable',
    description:
      'Streamed. Cells a spreadsheet could run as a formula (= + - @) are prefixed with an apostrophe.',
  })
  async export(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor): Promise<StreamableFile> {
    const list = await this.lists.get(id);
    await this.activity.record({
      ...audited(actor),
      action: 'recipient_list.exported',
      targetType: 'recipient_list',
      targetId: id,
    });
    const csv = stringify();
    // pipeline destroys the CSV stream with the error if reading the database fails half-way.
    pipeline(Readable.from(this.recipients.csvRows(id)), csv, () => undefined);
    const file = list.name.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'recipients';
    return new StreamableFile(csv, {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${file}.csv"`,
    });
  }
}
