import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createConnection, type Connection } from 'mariadb';
import { AppConfig } from '../config/app-config';
import { poolConfigFromUrl } from '../prisma/database-url';
import type { Statement } from '../prisma/statement';

/**
 * The message capture's own connection to the database. A batch is sent without waiting for the
 * answers to the batches before it (the driver's pipelining), and the server runs them in the order
 * they were sent.
 *
 * Why: while many sessions receive a flood, one turn of the event loop lasts seconds (each turn reads
 * every busy WhatsApp socket), and a database answer is read only on the next turn. Through a pool,
 * one batch at a time, that is one batch per turn and the rest of the flood waits for its end; here
 * every batch goes out as soon as it is full and is committed while the flood goes on.
 */
@Injectable()
export class CaptureConnection implements OnApplicationShutdown {
  private connection: Promise<Connection> | null = null;

  constructor(private readonly config: AppConfig) {}

  /**
   * Runs the statements as one transaction, in one round trip: all of them are committed, or none.
   * The server stops at a failing statement, leaving its transaction open; the ROLLBACK that every
   * transaction here starts with closes it before anything else runs on the connection.
   */
  transaction(statements: Statement[]): Promise<void> {
    const sql = ['ROLLBACK', 'START TRANSACTION', ...statements.map((s) => s.sql), 'COMMIT'].join(';\n');
    const values = statements.flatMap((s) => s.values);
    const opened = this.open();
    return opened.then(
      (connection) =>
        connection.query(sql, values).then(
          () => undefined,
          (error: unknown) => {
            // A lost connection is replaced on the next batch; its open transaction died with it.
            if ((error as { fatal?: boolean }).fatal) this.drop(opened, connection);
            // Otherwise no later batch may come to close the transaction (and free its locks) soon.
            else connection.query('ROLLBACK').catch(() => undefined);
            throw error;
          },
        ),
      (error: unknown) => {
        if (this.connection === opened) this.connection = null;
        throw error;
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.connection;
    this.connection = null;
    const connection = await opened?.catch(() => null);
    await connection?.end().catch(() => connection.destroy());
  }

  private open(): Promise<Connection> {
    if (this.connection) return this.connection;
    const { host, port, user, password, database, connectTimeout, initSql } = poolConfigFromUrl(
      this.config.DATABASE_URL,
    );
    const opened = createConnection({
      ...{ host, port, user, password, database, connectTimeout, initSql },
      multipleStatements: true,
      pipelining: true,
    }).then((connection) => {
      // A connection that breaks between batches reports it here (never as an uncaught error).
      connection.on('error', () => (this.connection === opened ? (this.connection = null) : undefined));
      return connection;
    });
    this.connection = opened;
    return opened;
  }

  private drop(opened: Promise<Connection>, connection: Connection): void {
    if (this.connection === opened) this.connection = null;
    connection.destroy();
  }
}
