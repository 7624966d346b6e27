-- Broker outputs (issue 20): events also go to RabbitMQ and NATS JetStream from the same outbox.
-- Each outbox row names its channel; a session's rows are delivered in order per channel, so a broker
-- that is down never holds back the session's webhooks.

-- AlterTable
ALTER TABLE `webhook_outbox` ADD COLUMN `channel` VARCHAR(16) NOT NULL DEFAULT 'webhook',
    DROP INDEX `webhook_outbox_session_id_status_id_idx`,
    ADD INDEX `webhook_outbox_session_id_channel_status_id_idx`(`session_id`, `channel`, `status`, `id`);

-- CreateTable
CREATE TABLE `session_broker_outputs` (
    `session_id` VARCHAR(64) NOT NULL,
    `kind` VARCHAR(16) NOT NULL,
    `url` VARCHAR(2048) NOT NULL,
    `destination` VARCHAR(255) NOT NULL,
    `subject_prefix` VARCHAR(255) NULL,
    `events` JSON NULL,
    `signed` BOOLEAN NOT NULL DEFAULT false,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`session_id`, `kind`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `session_broker_outputs` ADD CONSTRAINT `session_broker_outputs_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
