import { Module } from '@nestjs/common';
import { FirstAdminSeeder } from './first-admin.seeder';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** User management and the first admin. Uses AuthModule's and ActivityModule's global services. */
@Module({
  controllers: [UsersController],
  providers: [UsersService, FirstAdminSeeder],
  exports: [UsersService],
})
export class UsersModule {}
