-- Groups (issue 18): the metadata of each session's groups, kept across restarts so a send to a
-- group does not query WhatsApp each time (Baileys' cachedGroupMetadata), and the group
-- notifications already reported, so a notification replayed after a reconnect is reported once.

-- CreateTable
CREATE TABLE `group_metadata` (
    `session_id` VARCHAR(64) NOT NULL,
    `group_jid` VARCHAR(128) NOT NULL,
    `subject` VARCHAR(255) NOT NULL,
    `data` MEDIUMTEXT NOT NULL,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`session_id`, `group_jid`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `group_events` (
    `session_id` VARCHAR(64) NOT NULL,
    `notice_id` VARCHAR(128) NOT NULL,
    `event` VARCHAR(32) NOT NULL,
    `group_jid` VARCHAR(128) NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `group_events_created_at_idx`(`created_at`),
    PRIMARY KEY (`session_id`, `notice_id`, `event`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `group_metadata` ADD CONSTRAINT `group_metadata_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `group_events` ADD CONSTRAINT `group_events_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
