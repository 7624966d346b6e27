-- Failed logins, one row each, counted in a sliding window per account and address (and per account
-- from every address): old rows stop counting by themselves, so a lockout decays. `account` is
-- 'user:<id>' or 'legacy-password'. Rows older than the window are pruned as new ones are written.

-- CreateTable
CREATE TABLE `login_failures` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `account` VARCHAR(64) NOT NULL,
    `ip` VARCHAR(64) NOT NULL,
    `failed_at` DATETIME(3) NOT NULL,

    INDEX `login_failures_account_failed_at_idx`(`account`, `failed_at`),
    INDEX `login_failures_account_ip_failed_at_idx`(`account`, `ip`, `failed_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
