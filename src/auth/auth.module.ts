import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { SecretBox } from '../crypto/secret-box';
import { AccessGuard } from './access.guard';
import { AuthTokensIssuer } from './auth-tokens';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { Clock } from './clock';
import { JWT_ISSUER, jwtSecret } from './jwt-settings';
import { JwtStrategy } from './jwt.strategy';
import { LoginLockout } from './login-lockout';
import { LoginThrottlerGuard } from './login-throttler.guard';
import { PasswordHasher } from './password-hasher';
import { RefreshTokenRetention } from './refresh-token-retention';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionTokensService } from './session-tokens.service';
import { UserPrincipals } from './user-principals';
import { WsTokenService } from './ws-token.service';

/**
 * Login, tokens and the global AccessGuard. Global, so any module can inject SessionTokensService,
 * WsTokenService, RefreshTokensService or PasswordHasher without importing it.
 */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig, SecretBox],
      useFactory: (config: AppConfig, box: SecretBox) => ({
        secret: jwtSecret(config, box),
        signOptions: { issuer: JWT_ISSUER, algorithm: 'HS256' },
        verifyOptions: { issuer: JWT_ISSUER, algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    { provide: APP_GUARD, useClass: AccessGuard },
    AuthService,
    AuthTokensIssuer,
    Clock,
    JwtStrategy,
    LoginLockout,
    LoginThrottlerGuard,
    PasswordHasher,
    RefreshTokenRetention,
    RefreshTokensService,
    SessionTokensService,
    UserPrincipals,
    WsTokenService,
  ],
  exports: [Clock, PasswordHasher, RefreshTokensService, SessionTokensService, WsTokenService],
})
export class AuthModule {}
