import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';

/** Express `trust proxy` from TRUST_PROXY: false/true, a hop count, or names/addresses. */
export function trustProxyValue(raw: string): boolean | number | string {
  const value = raw.trim().toLowerCase();
  if (value === 'false' || value === '') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return raw;
}

/** BigInt ids (messages, outbox rows) go out as JSON numbers. */
const jsonReplacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? Number(value) : value;

/** The routes that take a media file as base64 in JSON (POST messages/:kind). */
const MEDIA_SEND_PATH =
  /^\/api\/v1\/sessions\/[^/]+\/messages\/(image|video|audio|voice|document|sticker)\/?$/;

/**
 * JSON bodies of the media send routes may carry a whole file as base64 (4/3 of MEDIA_MAX_BYTES,
 * plus the other fields); every other route keeps BODY_LIMIT. Registered before the global parser,
 * which then leaves an already parsed body alone.
 */
function mediaJsonParser(config: AppConfig) {
  const parse = json({ limit: Math.max(Math.ceil(config.MEDIA_MAX_BYTES / 3) * 4 + 64 * 1024, 1024 * 1024) });
  return (req: Request, res: Response, next: NextFunction) =>
    req.method === 'POST' && MEDIA_SEND_PATH.test(req.path) ? parse(req, res, next) : next();
}

/** Everything main.ts and the tests both need: security headers, CORS, parsers, pipes, OpenAPI. */
export function configureApp(app: NestExpressApplication, config: AppConfig): INestApplication {
  app.useLogger(app.get(Logger));
  app.set('trust proxy', trustProxyValue(config.TRUST_PROXY));
  app.set('json replacer', jsonReplacer);
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Contacts' profile pictures are links to WhatsApp's picture server, shown as they are.
          'img-src': ["'self'", 'data:', 'blob:', 'https://pps.whatsapp.net'],
          // The admin SPA plays stored audio and video from blob: URLs (fetched with the user's JWT).
          'media-src': ["'self'", 'blob:'],
          'connect-src': ["'self'"],
          // Gateways are often reached over plain http on a LAN: upgrading their own scripts and API
          // calls to https there would break the admin SPA and the API docs. TLS belongs to the proxy.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.length > 0) app.enableCors({ origin: origins.includes('*') ? '*' : origins, maxAge: 600 });
  app.use(mediaJsonParser(config));
  app.useBodyParser('json', { limit: config.BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: config.BODY_LIMIT, extended: false });
  app.useGlobalPipes(createValidationPipe());
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();

  // The OpenAPI document is built on the first request to /api-documentation (or its JSON), not at
  // start: scanning every route costs start-up time and heap that most gateways never need.
  const documentConfig = new DocumentBuilder()
    .setTitle('WhatsApp Gateway API')
    .setDescription(
      'Multi-session WhatsApp gateway. Every JSON response is `{ success, message, data }`; errors are ' +
        '`{ success: false, message, code, timestamp }` with `details` for validation errors.',
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'User JWT or session API token' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-master-key' }, 'master-key')
    .build();
  SwaggerModule.setup('api-documentation', app, () => SwaggerModule.createDocument(app, documentConfig), {
    jsonDocumentUrl: 'api-documentation/json',
    customSiteTitle: 'WhatsApp Gateway API',
  });
  return app;
}
