-- Chats and contacts (issue 19): one row per chat of a session with its last message and unread
-- count, kept by the message capture in its batched transaction (listing chats never groups the
-- messages), and the contacts a session knows with their names.

-- CreateTable
CREATE TABLE `chats` (
    `session_id` VARCHAR(64) NOT NULL,
    `chat_jid` VARCHAR(128) NOT NULL,
    `kind` ENUM('direct', 'group', 'status', 'newsletter', 'broadcast') NOT NULL DEFAULT 'direct',
    `chat_lid` VARCHAR(128) NULL,
    `last_message_id` BIGINT NULL,
    `last_message_at` DATETIME(3) NOT NULL,
    `unread_count` INTEGER NOT NULL DEFAULT 0,
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `chats_session_id_last_message_at_last_message_id_idx`(`session_id`, `last_message_at`, `last_message_id`),
    PRIMARY KEY (`session_id`, `chat_jid`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `contacts` (
    `session_id` VARCHAR(64) NOT NULL,
    `jid` VARCHAR(128) NOT NULL,
    `phone` VARCHAR(32) NULL,
    `lid` VARCHAR(128) NULL,
    `push_name` VARCHAR(120) NULL,
    `saved_name` VARCHAR(120) NULL,
    `verified_name` VARCHAR(120) NULL,
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `contacts_session_id_phone_idx`(`session_id`, `phone`),
    INDEX `contacts_session_id_lid_idx`(`session_id`, `lid`),
    PRIMARY KEY (`session_id`, `jid`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `chats` ADD CONSTRAINT `chats_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `contacts` ADD CONSTRAINT `contacts_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: every chat of the stored messages, its latest message (reactions left out), and as unread
-- the inbound messages after the account's last outbound one (direct and group chats only).
INSERT INTO `chats` (`session_id`, `chat_jid`, `kind`, `chat_lid`, `last_message_id`, `last_message_at`, `unread_count`, `updated_at`)
SELECT l.`session_id`, l.`chat_jid`, m.`chat_kind`, l.`chat_lid`, l.`last_id`, m.`wa_timestamp`,
    IF(m.`chat_kind` IN ('direct', 'group'), (
        SELECT COUNT(*) FROM `messages` u
        WHERE u.`session_id` = l.`session_id` AND u.`chat_jid` = l.`chat_jid` AND u.`direction` = 'inbound'
            AND u.`type` <> 'reaction' AND u.`id` > l.`last_out`), 0),
    NOW(3)
FROM (
    SELECT `session_id`, `chat_jid`, MAX(`id`) AS `last_id`, MAX(`chat_lid`) AS `chat_lid`,
        COALESCE(MAX(IF(`direction` = 'outbound', `id`, NULL)), 0) AS `last_out`
    FROM `messages` WHERE `type` <> 'reaction'
    GROUP BY `session_id`, `chat_jid`
) l
JOIN `messages` m ON m.`id` = l.`last_id`;

-- Backfill: the authors of received messages with their latest push name (a direct chat's contact,
-- a group's or status's author).
INSERT INTO `contacts` (`session_id`, `jid`, `phone`, `lid`, `push_name`, `updated_at`)
SELECT p.`session_id`, p.`jid`, MAX(p.`phone`), MAX(p.`lid`),
    SUBSTRING_INDEX(GROUP_CONCAT(p.`push_name` ORDER BY p.`id` DESC SEPARATOR '\n'), '\n', 1), NOW(3)
FROM (
    SELECT `id`, `session_id`, `chat_jid` AS `jid`,
        IF(`chat_jid` LIKE '%@s.whatsapp.net', SUBSTRING_INDEX(`chat_jid`, '@', 1), NULL) AS `phone`,
        `chat_lid` AS `lid`, `push_name`
    FROM `messages`
    WHERE `direction` = 'inbound' AND `chat_kind` = 'direct' AND `push_name` IS NOT NULL
        AND (`chat_jid` LIKE '%@s.whatsapp.net' OR `chat_jid` LIKE '%@lid')
    UNION ALL
    SELECT `id`, `session_id`, IF(`participant` IS NOT NULL, CONCAT(`participant`, '@s.whatsapp.net'), `participant_lid`),
        `participant`, `participant_lid`, `push_name`
    FROM `messages`
    WHERE `direction` = 'inbound' AND `chat_kind` <> 'direct' AND `push_name` IS NOT NULL
        AND (`participant` IS NOT NULL OR `participant_lid` IS NOT NULL)
) p
GROUP BY p.`session_id`, p.`jid`;
