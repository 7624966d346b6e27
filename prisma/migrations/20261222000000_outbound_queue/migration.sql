-- The durable outbound queue (issue 20): one row per send accepted by any gateway process, drained in
-- order per session by the process that holds the session. The WhatsApp id is fixed when the row is
-- written, so a send a crash interrupted is settled by WhatsApp's own answer for that id.
-- And the QR a session shows, readable from any process.

-- CreateTable
CREATE TABLE `outbound_messages` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `session_id` VARCHAR(64) NOT NULL,
    `wa_message_id` VARCHAR(128) NOT NULL,
    `to_jid` VARCHAR(128) NOT NULL,
    `content` JSON NOT NULL,
    `idempotency_key` VARCHAR(128) NULL,
    `fingerprint` CHAR(64) NOT NULL,
    `status` ENUM('queued', 'sending', 'sent', 'failed') NOT NULL DEFAULT 'queued',
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `last_error` VARCHAR(255) NULL,
    `expires_at` DATETIME(3) NOT NULL,
    `claimed_by` VARCHAR(128) NULL,
    `claimed_at` DATETIME(3) NULL,
    `sent_at` DATETIME(3) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    UNIQUE INDEX `outbound_messages_session_id_idempotency_key_key`(`session_id`, `idempotency_key`),
    UNIQUE INDEX `outbound_messages_session_id_wa_message_id_key`(`session_id`, `wa_message_id`),
    INDEX `outbound_messages_status_session_id_id_idx`(`status`, `session_id`, `id`),
    INDEX `outbound_messages_session_id_status_id_idx`(`session_id`, `status`, `id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `outbound_messages` ADD CONSTRAINT `outbound_messages_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE `whatsapp_sessions` ADD COLUMN `qr` TEXT NULL;
