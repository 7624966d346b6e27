import { Readable, pipeline } from 'node:stream';
import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import { RawResponse, ResponseMessage } from '../common/response.decorators';
import { Roles } from '../auth/decorators';
import { ActivityLogQueries, type ActivityPage, type ActivityView } from './activity-log.queries';
import { csvSafe } from '../common/csv-cell';
import { ActivityFilterDto, ActivityQueryDto } from './dto/activity-query.dto';

const CSV_COLUMNS = [
  'id',
  'createdAt',
  'actorId',
  'actorLabel',
  'action',
  'targetType',
  'targetId',
  'ip',
  'userAgent',
  'metadata',
] as const;

function csvRow(row: ActivityView): string[] {
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    id: String(row.id),
    createdAt: row.createdAt.toISOString(),
    actorId: row.actorId === null ? '' : String(row.actorId),
    actorLabel: row.actorLabel,
    action: row.action,
    targetType: row.targetType ?? '',
    targetId: row.targetId ?? '',
    ip: row.ip ?? '',
    userAgent: row.userAgent ?? '',
    metadata: row.metadata === null || row.metadata === undefined ? '' : JSON.stringify(row.metadata),
  };
  return CSV_COLUMNS.map((column) => csvSafe(cells[column]));
}

@ApiTags('activity')
@Roles('admin')
@Controller('api/v1/activity')
export class ActivityController {
  constructor(private readonly queries: ActivityLogQueries) {}

  @Get()
  @ResponseMessage('Activity retrieved successfully')
  @ApiOperation({ summary: 'The audit log, newest first, filtered and paginated (admin only)' })
  @ApiOkResponse({ description: '`data.items` and `data.pagination`' })
  list(@Query() query: ActivityQueryDto): Promise<ActivityPage> {
    const { page, limit, ...filter } = query;
    return this.queries.page(filter, page, limit);
  }

  @Get('export')
  @RawResponse()
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'The audit log as CSV, with the same filters (admin only)',
    description: 'Streamed; cells that a spreadsheet could run as a formula are prefixed with an apostrophe.',
  })
  @ApiOkResponse({ description: 'A CSV file' })
  export(@Query() filter: ActivityFilterDto): StreamableFile {
    const queries = this.queries;
    async function* rows(): AsyncGenerator<string[]> {
      for await (const row of queries.all(filter)) yield csvRow(row);
    }
    const csv = stringify({ header: true, columns: [...CSV_COLUMNS] });
    // pipeline destroys the CSV stream with the error if reading the database fails half-way.
    pipeline(Readable.from(rows()), csv, () => undefined);
    const day = new Date().toISOString().slice(0, 10);
    return new StreamableFile(csv, {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="activity-${day}.csv"`,
    });
  }
}
