-- The check value of TOKEN_ENCRYPTION_KEY (an HMAC of a constant under a key derived from it),
-- stored at first start: a process started with another key refuses to start instead of failing to
-- open every session, and a key given as TOKEN_ENCRYPTION_KEY_PREVIOUS is recognised for rotation.

-- CreateTable
CREATE TABLE `key_checks` (
    `name` VARCHAR(64) NOT NULL,
    `check_value` CHAR(64) NOT NULL,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`name`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
