-- A cluster where any process serves any /ws client (issue 20): while more than one gateway process
-- is live, each writes the events it pushes over /ws here (in batches) and tails the others' rows by
-- id, so every /ws client sees the events of every session. Rows live about a minute.

-- CreateTable
CREATE TABLE `realtime_events` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `origin` VARCHAR(128) NOT NULL,
    `event` VARCHAR(32) NOT NULL,
    `session_id` VARCHAR(64) NULL,
    `payload` MEDIUMTEXT NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `realtime_events_created_at_idx`(`created_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
