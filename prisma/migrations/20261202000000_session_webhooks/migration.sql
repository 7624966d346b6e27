-- A session's own webhook (URL, events, signing secret) moves from whatsapp_sessions to its own table,
-- owned by the outbox (where events go) rather than by the session record.

-- CreateTable
CREATE TABLE `session_webhooks` (
    `session_id` VARCHAR(64) NOT NULL,
    `url` VARCHAR(2048) NULL,
    `events` JSON NULL,
    `secret` VARCHAR(512) NULL,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`session_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `session_webhooks` ADD CONSTRAINT `session_webhooks_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- Copy what sessions had
INSERT INTO `session_webhooks` (`session_id`, `url`, `events`, `secret`, `updated_at`)
SELECT `id`, `webhook_url`, `webhook_events`, `webhook_secret`, UTC_TIMESTAMP(3) FROM `whatsapp_sessions`
WHERE `webhook_url` IS NOT NULL OR `webhook_events` IS NOT NULL OR `webhook_secret` IS NOT NULL;

-- AlterTable
ALTER TABLE `whatsapp_sessions` DROP COLUMN `webhook_url`,
    DROP COLUMN `webhook_events`,
    DROP COLUMN `webhook_secret`;
