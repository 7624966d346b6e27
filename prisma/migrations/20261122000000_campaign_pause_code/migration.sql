-- AlterTable
ALTER TABLE `campaigns` ADD COLUMN `missing_variables` VARCHAR(8) NOT NULL DEFAULT 'skip',
    ADD COLUMN `pause_code` VARCHAR(32) NULL;
