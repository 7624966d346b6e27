import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { CsvError, parse } from 'csv-parse';
import { ActivityService, audited } from '../activity/activity.service';
import { type Actor } from '../auth/actor';
import { AppConfig } from '../config/app-config';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { CsvFileError } from './csv-file-error';
import { sniffCsv } from './csv-sniff';
import { readHeader, readRow, type CsvColumns, type RecipientData } from './recipient-row';

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

const BATCH = 1000;
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

  /** Reads the file, stages valid rows, and counts everything else. */
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
    const source = createReadStream(path);
    const parser = parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      max_record_size: 64 * 1024,
    });
    source.on('error', (error) => parser.destroy(error));
    try {
      return await this.readRecords(tx, staging, source.pipe(parser), report);
    } finally {
      source.destroy();
    }
  }

  private async readRecords(
    tx: Prisma.TransactionClient,
    staging: string,
    records: AsyncIterable<{ record: string[]; info: { lines: number } }>,
    report: ImportReport,
  ): Promise<ImportReport> {
    let columns: CsvColumns | null = null;
    // Rows wait for their batch already serialised: one string each, not a handful of objects.
    let batch: string[] = [];
    let valid = 0;
    for await (const { record, info } of records) {
      if (!columns) {
        columns = readHeader(record);
        continue;
      }
      report.rows += 1;
      const row = readRow(record, columns, this.config.DEFAULT_COUNTRY);
      if (!row.ok) {
        report.invalid += 1;
        if (report.invalidRows.length < MAX_REPORTED)
          report.invalidRows.push({ line: info.lines, phone: row.phone, reason: row.reason });
        else report.invalidRowsTruncated = true;
        continue;
      }
      valid += 1;
      batch.push(stagedRow(row.recipient));
      if (batch.length >= BATCH) {
        await this.insertStaged(tx, staging, batch);
        batch = [];
      }
    }
    if (!columns) throw new CsvFileError('The file is empty', 'CSV_EMPTY');
    await this.insertStaged(tx, staging, batch);
    const [{ n }] = await tx.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM \`${staging}\``);
    report.duplicates = valid - Number(n);
    return report;
  }

  /**
   * One statement and one parameter per batch: the rows travel as a JSON array that JSON_TABLE
   * unpacks on the server (thousands of placeholders would cost a large prepared statement each time).
   */
  private async insertStaged(tx: Prisma.TransactionClient, staging: string, rows: string[]): Promise<void> {
    if (rows.length === 0) return;
    const json = `[${rows.join(',')}]`;
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

/** A row as JSON_TABLE reads it: [phone, name, variables]. */
const stagedRow = (r: RecipientData): string => JSON.stringify([r.phone, r.name, r.variables]);

const summary = (r: ImportReport) => ({
  rows: r.rows,
  added: r.added,
  updated: r.updated,
  duplicates: r.duplicates,
  invalid: r.invalid,
});
