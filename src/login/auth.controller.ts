import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ResponseMessage } from '../common/response.decorators';
import type { UserView } from '../auth/user-view';
import { RequestActor, type Actor } from '../auth/actor';
import type { AuthTokens } from './auth-tokens';
import { AuthService } from './auth.service';
import { AllowPendingPasswordChange, ANY_ROLE, CurrentUser, Public, Roles } from '../auth/decorators';
import { ChangePasswordDto, DashboardLoginDto, LoginDto, RefreshDto } from './dto/auth.dto';
import { LoginThrottlerGuard } from './login-throttler.guard';
import type { UserPrincipal } from '../auth/principal';
import { WsTokenService, type WsToken } from '../auth/ws-token.service';

const tooMany = ApiTooManyRequestsResponse({ description: 'Too many attempts from this address' });

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly wsTokens: WsTokenService,
  ) {}

  @Post('login')
  @Public()
  @UseGuards(LoginThrottlerGuard)
  @HttpCode(200)
  @ResponseMessage('Logged in')
  @ApiOperation({
    summary: 'Log in with email and password',
    description:
      'Returns a short-lived access token (JWT) and a rotating refresh token. LOGIN_MAX_FAILURES wrong ' +
      'passwords from one address within LOGIN_LOCKOUT_MINUTES refuse the account from that address; ' +
      'LOGIN_ACCOUNT_MAX_FAILURES from all addresses lock it for everyone; every failure gets the same answer.',
  })
  @ApiOkResponse({ description: '`data.accessToken`, `data.refreshToken`, `data.user`' })
  @ApiUnauthorizedResponse({ description: 'Invalid email or password (or the account is locked)' })
  @tooMany
  login(@Body() dto: LoginDto, @RequestActor() actor: Actor): Promise<AuthTokens> {
    return this.auth.login(dto.email, dto.password, actor);
  }

  @Post('dashboard-login')
  @Public()
  @UseGuards(LoginThrottlerGuard)
  @HttpCode(200)
  @ResponseMessage('Logged in')
  @ApiOperation({
    summary: 'Legacy login with ADMIN_DASHBOARD_PASSWORD',
    description:
      'Exists only when ADMIN_DASHBOARD_PASSWORD is set (and, in production, ADMIN_DASHBOARD_PASSWORD_ENABLED=true); ' +
      'logs in as the oldest active admin account, unless that admin is locked. It has its own lockout.',
  })
  @ApiOkResponse({ description: 'The same answer as a login' })
  @ApiNotFoundResponse({ description: 'ADMIN_DASHBOARD_PASSWORD is not set or not enabled' })
  @tooMany
  dashboardLogin(@Body() dto: DashboardLoginDto, @RequestActor() actor: Actor): Promise<AuthTokens> {
    return this.auth.dashboardLogin(dto.password, actor);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ResponseMessage('Token refreshed')
  @ApiOperation({
    summary: 'Trade a refresh token for a new access token and a new refresh token',
    description: 'A refresh token works once. Presenting a used one again ends the whole login.',
  })
  @ApiOkResponse({ description: 'The same answer as a login' })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, used or revoked refresh token' })
  refresh(@Body() dto: RefreshDto, @RequestActor() actor: Actor): Promise<AuthTokens> {
    return this.auth.refresh(dto.refreshToken, actor);
  }

  @Post('logout')
  @Roles(...ANY_ROLE)
  @AllowPendingPasswordChange()
  @HttpCode(200)
  @ResponseMessage('Logged out')
  @ApiOperation({ summary: 'End this login: its refresh token and access tokens stop working' })
  async logout(@CurrentUser() user: UserPrincipal, @RequestActor() actor: Actor): Promise<null> {
    await this.auth.logout(user, actor);
    return null;
  }

  @Get('me')
  @Roles(...ANY_ROLE)
  @AllowPendingPasswordChange()
  @ResponseMessage('Current user')
  @ApiOperation({ summary: 'The logged-in user (with `mustChangePassword`)' })
  me(@CurrentUser() user: UserPrincipal): Promise<UserView> {
    return this.auth.me(user);
  }

  @Post('change-password')
  @Roles(...ANY_ROLE)
  @AllowPendingPasswordChange()
  @UseGuards(LoginThrottlerGuard)
  @HttpCode(200)
  @ResponseMessage('Password changed')
  @ApiOperation({
    summary: 'Change your own password (needs the current one)',
    description: 'Ends every login of the user; the answer carries the tokens of a new login.',
  })
  @ApiOkResponse({ description: 'The same answer as a login' })
  changePassword(
    @CurrentUser() user: UserPrincipal,
    @Body() dto: ChangePasswordDto,
    @RequestActor() actor: Actor,
  ): Promise<AuthTokens> {
    return this.auth.changeOwnPassword(user, dto.currentPassword, dto.newPassword, actor);
  }

  @Post('ws-token')
  @Roles(...ANY_ROLE)
  @HttpCode(200)
  @ResponseMessage('WebSocket token issued')
  @ApiOperation({ summary: 'A 60-second token to open the WebSocket (/ws?token=...)' })
  wsToken(@CurrentUser() user: UserPrincipal): Promise<WsToken> {
    return this.wsTokens.issue(user);
  }
}
