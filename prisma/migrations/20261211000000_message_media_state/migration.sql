-- Inbound media is attached after its message is stored (issue 17): each media message says where
-- its file stands. The default is computed from the row itself, so the message insert need not
-- name the column: a file already kept (media this gateway sent) is stored, an inbound media
-- message waits for its download, any other media message (sent from the phone) is skipped, and a
-- message without media has no state.

-- AlterTable
ALTER TABLE `messages`
    ADD COLUMN `media_state` ENUM('pending', 'stored', 'failed', 'too_large', 'skipped') NULL DEFAULT (
        CASE
            WHEN `media_path` IS NOT NULL THEN 'stored'
            WHEN `type` IN ('image', 'video', 'audio', 'document', 'sticker') THEN
                CASE WHEN `direction` = 'inbound' THEN 'pending' ELSE 'skipped' END
            ELSE NULL
        END
    ),
    ADD COLUMN `media_error` VARCHAR(64) NULL;

-- Rows stored before: a kept file is stored; inbound media without one was not downloaded (an
-- operator may retry it); media sent from the phone was never downloaded.
UPDATE `messages` SET `media_state` = 'stored' WHERE `media_path` IS NOT NULL;
UPDATE `messages` SET `media_state` = 'failed', `media_error` = 'not_downloaded'
    WHERE `media_path` IS NULL AND `direction` = 'inbound'
    AND `type` IN ('image', 'video', 'audio', 'document', 'sticker');
UPDATE `messages` SET `media_state` = 'skipped'
    WHERE `media_path` IS NULL AND `direction` = 'outbound'
    AND `type` IN ('image', 'video', 'audio', 'document', 'sticker');
