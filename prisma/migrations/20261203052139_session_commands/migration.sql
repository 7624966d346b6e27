-- Any process serves any request (issue 20): a request that needs a session's live socket, made on a
-- process that does not hold the session, is written here as a command; the holder claims it, runs it
-- and writes its result (or its error), which the requesting process answers as if it ran it itself.

-- CreateTable
CREATE TABLE `session_commands` (
    `id` CHAR(36) NOT NULL,
    `session_id` VARCHAR(64) NOT NULL,
    `target` VARCHAR(32) NOT NULL,
    `method` VARCHAR(64) NOT NULL,
    `args` JSON NOT NULL,
    `status` ENUM('pending', 'running', 'done', 'failed') NOT NULL DEFAULT 'pending',
    `requested_by` VARCHAR(128) NOT NULL,
    `claimed_by` VARCHAR(128) NULL,
    `result` JSON NULL,
    `error_code` VARCHAR(64) NULL,
    `error_message` TEXT NULL,
    `error_details` JSON NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `expires_at` DATETIME(3) NOT NULL,

    INDEX `session_commands_status_session_id_idx`(`status`, `session_id`),
    INDEX `session_commands_expires_at_idx`(`expires_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
