-- WebSocket tokens become single use: the first use of each token (its jti) is recorded here, shared
-- by every gateway process, until the token expires.

-- CreateTable
CREATE TABLE `ws_token_uses` (
    `jti` VARCHAR(36) NOT NULL,
    `expires_at` DATETIME(3) NOT NULL,

    INDEX `ws_token_uses_expires_at_idx`(`expires_at`),
    PRIMARY KEY (`jti`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
