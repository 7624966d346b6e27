-- Per-session proxy (issue 20): the proxy URL the session's WhatsApp socket and media go through,
-- with its credentials, sealed (AES-256-GCM under TOKEN_ENCRYPTION_KEY); null: direct connections.

-- AlterTable
ALTER TABLE `whatsapp_sessions` ADD COLUMN `proxy_url` TEXT NULL;
