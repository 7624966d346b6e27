-- Read receipts (issue 19): a session may mark inbound messages read as they arrive (off by default).

-- AlterTable
ALTER TABLE `whatsapp_sessions` ADD COLUMN `auto_read` BOOLEAN NOT NULL DEFAULT false;
