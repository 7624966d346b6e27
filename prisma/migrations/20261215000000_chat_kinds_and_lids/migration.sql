-- Every kind of chat (issue 18): each message says what kind of chat it belongs to, who wrote it
-- in a group or a status (the author's phone number, and LID alongside), and the LID of a direct
-- chat's contact. The LID <-> phone mapping WhatsApp gives the session is kept per session, in
-- plain columns the gateway can query (Baileys' own copy is sealed in session_auth_keys).

-- AlterTable
ALTER TABLE `messages`
    ADD COLUMN `chat_kind` ENUM('direct', 'group', 'status', 'newsletter', 'broadcast') NOT NULL DEFAULT 'direct',
    ADD COLUMN `participant` VARCHAR(32) NULL,
    ADD COLUMN `participant_lid` VARCHAR(128) NULL,
    ADD COLUMN `chat_lid` VARCHAR(128) NULL;

-- CreateIndex: a LID learned later fixes the author of the earlier rows of that LID.
CREATE INDEX `messages_session_id_participant_lid_idx` ON `messages`(`session_id`, `participant_lid`);

-- Rows stored before: the kind from the chat's JID; a direct chat stored under a LID keeps it.
UPDATE `messages` SET `chat_kind` = CASE
        WHEN `chat_jid` LIKE '%@g.us' THEN 'group'
        WHEN `chat_jid` = 'status@broadcast' THEN 'status'
        WHEN `chat_jid` LIKE '%@newsletter' THEN 'newsletter'
        ELSE 'broadcast'
    END
    WHERE `chat_jid` LIKE '%@g.us' OR `chat_jid` LIKE '%@broadcast' OR `chat_jid` LIKE '%@newsletter';
UPDATE `messages` SET `chat_lid` = `chat_jid` WHERE `chat_jid` LIKE '%@lid';

-- CreateTable
CREATE TABLE `lid_mappings` (
    `session_id` VARCHAR(64) NOT NULL,
    `lid` VARCHAR(64) NOT NULL,
    `phone` VARCHAR(32) NOT NULL,
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `lid_mappings_session_id_phone_idx`(`session_id`, `phone`),
    PRIMARY KEY (`session_id`, `lid`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `lid_mappings` ADD CONSTRAINT `lid_mappings_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
