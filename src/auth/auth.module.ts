import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { ActivityModule } from '../activity/activity.module';
import { AppConfig } from '../config/app-config';
import { CryptoModule } from '../crypto/crypto.module';
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
import { UsersRepository } from './users.repository';
import { WsTokenService } from './ws-token.service';

/**
 * Who may call what: accounts (the users table), logins (refresh tokens), session API tokens, the
 * global AccessGuard, the request rate limits, and the login routes.
 */
@Module({
  imports: [
    ActivityModule,
    CryptoModule,
    JwtModule.registerAsync({
      imports: [CryptoModule],
      inject: [AppConfig, SecretBox],
      useFactory: (config: AppConfig, box: SecretBox) => ({
        secret: jwtSecret(config, box),
        signOptions: { issuer: JWT_ISSUER, algorithm: 'HS256' },
        verifyOptions: { issuer: JWT_ISSUER, algorithms: ['HS256'] },
      }),
    }),
    // The global per-IP limit (AppModule applies its guard first); LoginThrottlerGuard shares its storage.
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
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
    UsersRepository,
    WsTokenService,
  ],
  exports: [
    Clock,
    PasswordHasher,
    RefreshTokensService,
    SessionTokensService,
    UsersRepository,
    WsTokenService,
  ],
})
export class AuthModule {}
