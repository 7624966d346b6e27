import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequestActor, type Actor } from '../auth/actor';
import { Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { CreateUserDto, ResetPasswordDto, UpdateUserDto } from './dto/user.dto';
import type { UserView } from '../auth/user-view';
import { UsersService } from './users.service';
const notFound = ApiNotFoundResponse({ description: 'No such user' });
const lastAdmin = ApiConflictResponse({ description: 'It is the last active admin (code LAST_ADMIN)' });

@ApiTags('users')
@Roles('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ResponseMessage('User created')
  @ApiOperation({ summary: 'Create a user (admin only)' })
  @ApiCreatedResponse({ description: 'The new user' })
  @ApiConflictResponse({ description: 'A user with this email already exists' })
  create(@Body() dto: CreateUserDto, @RequestActor() actor: Actor): Promise<UserView> {
    return this.users.create(dto, actor);
  }

  @Get()
  @ResponseMessage('Users retrieved successfully')
  @ApiOperation({ summary: 'Every user (admin only)' })
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Get(':id')
  @ResponseMessage('User retrieved successfully')
  @ApiOperation({ summary: 'One user (admin only)' })
  @notFound
  get(@Param('id', ParseIntPipe) id: number): Promise<UserView> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ResponseMessage('User updated')
  @ApiOperation({
    summary: 'Change name, role or active (admin only)',
    description: 'A role change applies to the next request; `active: false` also ends every login.',
  })
  @ApiOkResponse({ description: 'The updated user' })
  @notFound
  @lastAdmin
  update(
    @Param('id', ParseIntPipe) id: number,
    @Body() dto: UpdateUserDto,
    @RequestActor() actor: Actor,
  ): Promise<UserView> {
    return this.users.update(id, dto, actor);
  }

  @Delete(':id')
  @ResponseMessage('User deactivated')
  @ApiOperation({
    summary: 'Deactivate a user (admin only)',
    description: 'Users are kept for the audit trail; a deactivated user cannot log in and is logged out.',
  })
  @notFound
  @lastAdmin
  deactivate(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor): Promise<UserView> {
    return this.users.deactivate(id, actor);
  }

  @Post(':id/reset-password')
  @HttpCode(200)
  @ResponseMessage('Password reset')
  @ApiOperation({
    summary: "Reset a user's password (admin only)",
    description:
      'Without a password in the body a random one is generated and returned once as ' +
      '`data.temporaryPassword`. The user must change it at next login; all their logins end.',
  })
  @notFound
  resetPassword(
    @Param('id', ParseIntPipe) id: number,
    @Body() dto: ResetPasswordDto,
    @RequestActor() actor: Actor,
  ): Promise<{ user: UserView; temporaryPassword?: string }> {
    return this.users.resetPassword(id, dto.password, actor);
  }
}
