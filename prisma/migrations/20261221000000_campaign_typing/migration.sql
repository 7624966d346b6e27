-- Campaign typing (issue 19): a campaign may show "typing…" to each recipient for a short random
-- time before its message (off by default).

-- AlterTable
ALTER TABLE `campaigns` ADD COLUMN `typing` BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN `typing_min_ms` INTEGER NOT NULL DEFAULT 1000,
    ADD COLUMN `typing_max_ms` INTEGER NOT NULL DEFAULT 3000;
