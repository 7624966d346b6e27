-- AlterTable
ALTER TABLE `webhook_outbox` ADD COLUMN `message_id` VARCHAR(128) NULL;

-- CreateIndex
CREATE INDEX `webhook_outbox_session_id_message_id_idx` ON `webhook_outbox`(`session_id`, `message_id`);
