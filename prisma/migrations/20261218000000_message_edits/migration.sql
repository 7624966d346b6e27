-- Edits and deletes (issue 19): when a message was last edited or deleted for everyone, and each
-- edit's text with the text it replaced (messages/message-revisions.ts), once per edit message id.

-- AlterTable
ALTER TABLE `messages` ADD COLUMN `edited_at` DATETIME(3) NULL,
    ADD COLUMN `revoked_at` DATETIME(3) NULL;

-- CreateTable
CREATE TABLE `message_edits` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `message_id` BIGINT NOT NULL,
    `session_id` VARCHAR(64) NOT NULL,
    `edit_id` VARCHAR(128) NOT NULL,
    `previous_text` MEDIUMTEXT NULL,
    `text` MEDIUMTEXT NOT NULL,
    `edited_at` DATETIME(3) NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `message_edits_session_id_edit_id_key`(`session_id`, `edit_id`),
    INDEX `message_edits_message_id_id_idx`(`message_id`, `id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `message_edits` ADD CONSTRAINT `message_edits_message_id_fkey` FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
