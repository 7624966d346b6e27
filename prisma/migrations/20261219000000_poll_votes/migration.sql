-- Polls (issue 19): the current vote of each voter on a poll, decrypted from WhatsApp's poll
-- updates. A voter's new vote replaces the previous one (WhatsApp sends the whole selection).

-- CreateTable
CREATE TABLE `poll_votes` (
    `session_id` VARCHAR(64) NOT NULL,
    `poll_message_id` VARCHAR(128) NOT NULL,
    `voter` VARCHAR(64) NOT NULL,
    `options` JSON NOT NULL,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`session_id`, `poll_message_id`, `voter`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `poll_votes` ADD CONSTRAINT `poll_votes_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
