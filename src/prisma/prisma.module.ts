import { Global, Module } from '@nestjs/common';
import { Database } from './database';
import { PrismaService } from './prisma.service';

/** The database client for the tables' owners, and Database for everyone else. Global: every layer needs it. */
@Global()
@Module({ providers: [PrismaService, Database], exports: [PrismaService, Database] })
export class PrismaModule {}
