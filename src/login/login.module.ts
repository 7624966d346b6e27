import { Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { AuthModule } from '../auth/auth.module';
import { AuthTokensIssuer } from './auth-tokens';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginFailuresRepository } from './login-failures.repository';
import { LoginLockout } from './login-lockout';
import { LoginThrottlerGuard } from './login-throttler.guard';

/** Signing in and out (/api/v1/auth): login, refresh, logout, one's own password, WebSocket tokens. */
@Module({
  imports: [ActivityModule, AuthModule],
  controllers: [AuthController],
  providers: [AuthService, AuthTokensIssuer, LoginFailuresRepository, LoginLockout, LoginThrottlerGuard],
})
export class LoginModule {}
