import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { CsvError, Parser } from 'csv-parse';
import { ActivityService, audited } from '../activity/activity.service';
import { type Actor } from '../auth/actor';
import { AppConfig } from '../config/app-config';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { CsvFileError } from './csv-file-error';
import { sniffCsv } from './csv-sniff';
import { readHeader, readRowJson, type CsvColumns } from './recipient-row';

export interface InvalidRow {
  line: number;
  phone: string;
  reason: string;
}

export interface ImportReport {
  listId: number;
  /** Data rows read (the header not counted). */
  rows: number;
  added: number;
  updated: number;
  /** Rows whose phone appeared earlier in the same file; merged into that recipient. */
  duplicates: number;
  invalid: number;
  /** The first MAX_REPORTED invalid rows, with their line number in the file. */
  invalidRows: InvalidRow[];
  invalidRowsTruncated: boolean;
  /** Recipients in the list after the import. */
  recipients: number;
}

// A batch is sent once its JSON passes this many characters (about 800 rows of a typical file):
// bigger batches saved no time, and their strings (and the driver's copies) left the young generation.
const BATCH_CHARS = 96 * 1024;
const MAX_REPORTED = 1000;
const IMPORT_TIMEOUT_MS = 10 * 60_000;

// Later values win; what a later row leaves out is kept (so duplicates and re-imports merge).
const MERGE_VARIABLES = (target: string, incoming: string) =>
  `IF(${incoming} IS NULL, ${target}, IF(${target} IS NULL, ${incoming}, JSON_MERGE_PATCH(${target}, ${incoming})))`;

/**
 * CSV import into a recipient list. The file is streamed from disk through csv-parse; valid rows are
 * staged in batches into a temporary table (one row per phone, duplicates merged there) and merged
 * into the list with one statement. All of it is one transaction: a file that turns out to be bad
 * half-way changes nothing. Memory stays flat whatever the file size.
 */
@Injectable()
export class RecipientImporter {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly activity: ActivityService,
  ) {}

  async import(listId: number, path: string, actor: Actor): Promise<ImportReport> {
    const { delimiter } = await sniffCsv(path);
    const staging = `recipient_import_${randomBytes(6).toString('hex')}`;
    try {
      return await this.prisma.$transaction(
        async (tx) => {
          await tx.$executeRawUnsafe(
            `CREATE TEMPORARY TABLE \`${staging}\` (phone VARCHAR(40) NOT NULL PRIMARY KEY, name VARCHAR(120) NULL, variables LONGTEXT NULL) ` +
              'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_unicode_ci',
          );
          try {
            const report = await this.stage(tx, staging, listId, path, delimiter);
            await this.merge(tx, staging, listId, report);
            await this.activity.record(
              {
                ...audited(actor),
                action: 'recipient_list.imported',
                targetType: 'recipient_list',
                targetId: listId,
                metadata: summary(report),
              },
              tx,
            );
            return report;
          } finally {
            await tx
              .$executeRawUnsafe(`DROP TEMPORARY TABLE IF EXISTS \`${staging}\``)
              .catch(() => undefined);
          }
        },
        { timeout: IMPORT_TIMEOUT_MS, maxWait: 10_000 },
      );
    } catch (error) {
      if (error instanceof CsvError) {
        throw new CsvFileError(`The file is not valid CSV: ${error.message}`, 'INVALID_CSV');
      }
      throw error;
    }
  }

  /**
   * Reads the file, stages valid rows, and counts everything else. The parser is driven chunk by
   * chunk (no object stream in between): a record arrives with the parser's line count as it is, so
   * no per-record info object is built, and the next chunk is read only once the rows of this one
   * are handled. One batch is written while the next is parsed; at most two are held at a time.
   */
  private async stage(
    tx: Prisma.TransactionClient,
    staging: string,
    listId: number,
    path: string,
    delimiter: string,
  ): Promise<ImportReport> {
    const report: ImportReport = {
      listId,
      rows: 0,
      added: 0,
      updated: 0,
      duplicates: 0,
      invalid: 0,
      invalidRows: [],
      invalidRowsTruncated: false,
      recipients: 0,
    };
    const parser = new Parser({
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: 64 * 1024,
    });
    const core = (parser as unknown as { api: CsvParserCore }).api;
    const defaultCountry = this.config.DEFAULT_COUNTRY;
    let columns: CsvColumns | null = null;
    // Rows wait for their batch already serialised, in one string: not a handful of objects each.
    let batch = '';
    let batchRows = 0;
    let valid = 0;
    let inFlight: Promise<void> = Promise.resolve();
    const onRecord = (record: string[]) => {
      if (!columns) {
        columns = readHeader(record);
        return;
      }
      report.rows += 1;
      const row = readRowJson(record, columns, defaultCountry);
      if (typeof row !== 'string') {
        report.invalid += 1;
        if (report.invalidRows.length < MAX_REPORTED)
          report.invalidRows.push({ line: parser.info.lines, phone: row.phone, reason: row.reason });
        else report.invalidRowsTruncated = true;
        return;
      }
      valid += 1;
      batch = batchRows === 0 ? row : `${batch},${row}`;
      batchRows += 1;
    };
    const flush = async (): Promise<void> => {
      await inFlight;
      if (batchRows === 0) return;
      const rows = batch;
      batch = '';
      batchRows = 0;
      inFlight = this.insertStaged(tx, staging, rows);
      // Awaited by the next flush or at the end; a failure meanwhile is not left unhandled.
      inFlight.catch(noop);
    };
    // Chunks of 64 KiB: a batch is at most BATCH_CHARS plus one chunk's rows.
    const source = createReadStream(path, { highWaterMark: 64 * 1024 });
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        const error = core.parse(chunk, false, onRecord, noop);
        if (error) throw error;
        if (batch.length >= BATCH_CHARS) await flush();
      }
      const error = core.parse(undefined, true, onRecord, noop);
      if (error) throw error;
      if (!columns) throw new CsvFileError('The file is empty', 'CSV_EMPTY');
      await flush();
      await flush();
    } finally {
      source.destroy();
      await inFlight.catch(noop);
    }
    const [{ n }] = await tx.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM \`${staging}\``);
    report.duplicates = valid - Number(n);
    return report;
  }

  /**
   * One statement and one parameter per batch: the rows travel as a JSON array that JSON_TABLE
   * unpacks on the server (thousands of placeholders would cost a large prepared statement each time).
   */
  private async insertStaged(tx: Prisma.TransactionClient, staging: string, rows: string): Promise<void> {
    const json = `[${rows}]`;
    await tx.$executeRawUnsafe(
      `INSERT INTO \`${staging}\` (phone, name, variables) ` +
        "SELECT j.phone, j.name, NULLIF(j.variables, 'null') FROM JSON_TABLE(?, '$[*]' COLUMNS (" +
        "ord FOR ORDINALITY, phone VARCHAR(40) PATH '$[0]', name VARCHAR(120) PATH '$[1]', variables JSON PATH '$[2]')) AS j " +
        'ORDER BY j.ord ' +
        `ON DUPLICATE KEY UPDATE name = COALESCE(VALUES(name), \`${staging}\`.name), ` +
        `variables = ${MERGE_VARIABLES(`\`${staging}\`.variables`, 'VALUES(variables)')}`,
      json,
    );
  }

  /** Counts new against existing phones, then upserts every staged row into the list at once. */
  private async merge(
    tx: Prisma.TransactionClient,
    staging: string,
    listId: number,
    report: ImportReport,
  ): Promise<void> {
    const [{ staged, existing }] = await tx.$queryRawUnsafe<{ staged: bigint; existing: bigint }[]>(
      `SELECT COUNT(*) AS staged, COUNT(r.id) AS existing FROM \`${staging}\` t ` +
        'LEFT JOIN recipients r ON r.list_id = ? AND r.phone = t.phone',
      listId,
    );
    report.updated = Number(existing);
    report.added = Number(staged) - report.updated;
    await tx.$executeRawUnsafe(
      'INSERT INTO recipients (list_id, phone, name, variables, created_at, updated_at) ' +
        `SELECT ?, t.phone, t.name, t.variables, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM \`${staging}\` t ` +
        'ON DUPLICATE KEY UPDATE name = COALESCE(VALUES(name), recipients.name), ' +
        `variables = ${MERGE_VARIABLES('recipients.variables', 'VALUES(variables)')}, updated_at = UTC_TIMESTAMP(3)`,
      listId,
    );
    await tx.recipientList.update({ where: { id: listId }, data: { updatedAt: new Date() } });
    report.recipients = await tx.recipient.count({ where: { listId } });
  }
}

const noop = () => undefined;

/**
 * The push-based core that csv-parse's stream wraps (`parser.api`, not in its typings): it parses a
 * chunk synchronously, hands over each record, and returns the CsvError that the stream would emit.
 */
interface CsvParserCore {
  parse(
    chunk: Buffer | undefined,
    end: boolean,
    push: (record: string[]) => void,
    close: () => void,
  ): CsvError | undefined;
}

const summary = (r: ImportReport) => ({
  rows: r.rows,
  added: r.added,
  updated: r.updated,
  duplicates: r.duplicates,
  invalid: r.invalid,
});
