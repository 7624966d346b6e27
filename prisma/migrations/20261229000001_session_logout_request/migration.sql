-- Any process serves any request (issue 20): a logout (or delete) asked of a process that does not
-- hold the session is written here; the holder logs the device out at its next supervision pass.

-- AlterTable
ALTER TABLE `whatsapp_sessions` ADD COLUMN `logout_requested_at` DATETIME(3) NULL;
