-- Balanced sessions and fast restarts (issue 20): every gateway process writes a heartbeat row, so
-- the others know how many processes share the sessions and which holders on their own host are dead.

-- CreateTable
CREATE TABLE `gateway_instances` (
    `id` VARCHAR(128) NOT NULL,
    `boot_id` CHAR(36) NOT NULL,
    `host` VARCHAR(255) NOT NULL,
    `machine` VARCHAR(128) NULL,
    `pid` INTEGER NOT NULL,
    `started_at` DATETIME(3) NOT NULL,
    `heartbeat_at` DATETIME(3) NOT NULL,

    INDEX `gateway_instances_heartbeat_at_idx`(`heartbeat_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
