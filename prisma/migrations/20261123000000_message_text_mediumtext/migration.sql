-- A WhatsApp text can be 65,536 characters, up to 4 bytes each in utf8mb4: more than TEXT holds.
ALTER TABLE `messages` MODIFY `text` MEDIUMTEXT NULL;
