-- CreateTable
CREATE TABLE `users` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `email` VARCHAR(254) NOT NULL,
    `name` VARCHAR(120) NULL,
    `password_hash` VARCHAR(100) NOT NULL,
    `role` ENUM('admin', 'operator', 'viewer') NOT NULL DEFAULT 'viewer',
    `active` BOOLEAN NOT NULL DEFAULT true,
    `must_change_password` BOOLEAN NOT NULL DEFAULT false,
    `failed_login_count` INTEGER NOT NULL DEFAULT 0,
    `locked_until` DATETIME(3) NULL,
    `last_login_at` DATETIME(3) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    UNIQUE INDEX `users_email_key`(`email`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `refresh_tokens` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `family_id` VARCHAR(36) NOT NULL,
    `token_hash` CHAR(64) NOT NULL,
    `expires_at` DATETIME(3) NOT NULL,
    `revoked_at` DATETIME(3) NULL,
    `replaced_at` DATETIME(3) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `refresh_tokens_token_hash_key`(`token_hash`),
    INDEX `refresh_tokens_user_id_idx`(`user_id`),
    INDEX `refresh_tokens_family_id_idx`(`family_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `whatsapp_sessions` (
    `id` VARCHAR(64) NOT NULL,
    `name` VARCHAR(120) NOT NULL,
    `status` ENUM('disconnected', 'connecting', 'qr_pending', 'connected', 'logged_out') NOT NULL DEFAULT 'disconnected',
    `should_connect` BOOLEAN NOT NULL DEFAULT false,
    `phone_number` VARCHAR(32) NULL,
    `jid` VARCHAR(128) NULL,
    `lid` VARCHAR(128) NULL,
    `push_name` VARCHAR(120) NULL,
    `webhook_url` VARCHAR(2048) NULL,
    `webhook_events` JSON NULL,
    `webhook_secret` VARCHAR(512) NULL,
    `lease_owner` VARCHAR(128) NULL,
    `lease_expires_at` DATETIME(3) NULL,
    `last_seen_at` DATETIME(3) NULL,
    `last_connected_at` DATETIME(3) NULL,
    `last_disconnect_code` INTEGER NULL,
    `last_disconnect_reason` VARCHAR(255) NULL,
    `created_by_id` INTEGER NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `whatsapp_sessions_lease_expires_at_idx`(`lease_expires_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `session_auth_keys` (
    `session_id` VARCHAR(64) NOT NULL,
    `category` VARCHAR(64) NOT NULL,
    `key_id` VARCHAR(255) NOT NULL,
    `value` MEDIUMBLOB NOT NULL,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`session_id`, `category`, `key_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `session_tokens` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `session_id` VARCHAR(64) NOT NULL,
    `name` VARCHAR(120) NOT NULL,
    `token_hash` CHAR(64) NOT NULL,
    `prefix` VARCHAR(16) NOT NULL,
    `last_used_at` DATETIME(3) NULL,
    `expires_at` DATETIME(3) NULL,
    `revoked_at` DATETIME(3) NULL,
    `created_by_id` INTEGER NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `session_tokens_token_hash_key`(`token_hash`),
    INDEX `session_tokens_session_id_idx`(`session_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `messages` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `session_id` VARCHAR(64) NOT NULL,
    `wa_message_id` VARCHAR(128) NOT NULL,
    `chat_jid` VARCHAR(128) NOT NULL,
    `from_number` VARCHAR(128) NOT NULL,
    `to_number` VARCHAR(128) NOT NULL,
    `direction` ENUM('inbound', 'outbound') NOT NULL,
    `type` VARCHAR(32) NOT NULL,
    `text` TEXT NULL,
    `file_name` VARCHAR(255) NULL,
    `media_path` VARCHAR(512) NULL,
    `media_mime` VARCHAR(128) NULL,
    `media_size` INTEGER NULL,
    `quoted_id` VARCHAR(128) NULL,
    `push_name` VARCHAR(120) NULL,
    `wa_timestamp` DATETIME(3) NOT NULL,
    `status` ENUM('pending', 'sent', 'delivered', 'read', 'played', 'failed', 'received') NOT NULL DEFAULT 'pending',
    `raw` JSON NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `messages_session_id_wa_timestamp_idx`(`session_id`, `wa_timestamp`),
    INDEX `messages_session_id_chat_jid_id_idx`(`session_id`, `chat_jid`, `id`),
    UNIQUE INDEX `messages_session_id_wa_message_id_direction_key`(`session_id`, `wa_message_id`, `direction`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `webhook_outbox` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `delivery_id` CHAR(36) NOT NULL,
    `session_id` VARCHAR(64) NULL,
    `event` VARCHAR(64) NOT NULL,
    `payload` LONGTEXT NOT NULL,
    `target_url` VARCHAR(2048) NOT NULL,
    `status` ENUM('pending', 'delivered', 'dead') NOT NULL DEFAULT 'pending',
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `next_attempt_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `last_status_code` INTEGER NULL,
    `last_error` VARCHAR(512) NULL,
    `delivered_at` DATETIME(3) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    UNIQUE INDEX `webhook_outbox_delivery_id_key`(`delivery_id`),
    INDEX `webhook_outbox_status_next_attempt_at_idx`(`status`, `next_attempt_at`),
    INDEX `webhook_outbox_session_id_status_id_idx`(`session_id`, `status`, `id`),
    INDEX `webhook_outbox_created_at_idx`(`created_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `settings` (
    `key` VARCHAR(64) NOT NULL,
    `value` JSON NOT NULL,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`key`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `recipient_lists` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `name` VARCHAR(120) NOT NULL,
    `description` VARCHAR(500) NULL,
    `created_by_id` INTEGER NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `recipients` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `list_id` INTEGER NOT NULL,
    `phone` VARCHAR(20) NOT NULL,
    `name` VARCHAR(120) NULL,
    `variables` JSON NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    UNIQUE INDEX `recipients_list_id_phone_key`(`list_id`, `phone`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `campaigns` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `name` VARCHAR(120) NOT NULL,
    `session_id` VARCHAR(64) NOT NULL,
    `template` TEXT NOT NULL,
    `media_path` VARCHAR(512) NULL,
    `media_mime` VARCHAR(128) NULL,
    `media_type` VARCHAR(16) NULL,
    `media_file_name` VARCHAR(255) NULL,
    `status` ENUM('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled') NOT NULL DEFAULT 'draft',
    `scheduled_at` DATETIME(3) NULL,
    `time_zone` VARCHAR(64) NOT NULL DEFAULT 'UTC',
    `min_delay_ms` INTEGER NOT NULL DEFAULT 3000,
    `max_delay_ms` INTEGER NOT NULL DEFAULT 8000,
    `per_minute_cap` INTEGER NULL,
    `per_day_cap` INTEGER NULL,
    `quiet_hours_start` VARCHAR(5) NULL,
    `quiet_hours_end` VARCHAR(5) NULL,
    `pause_reason` VARCHAR(255) NULL,
    `paused_by_system` BOOLEAN NOT NULL DEFAULT false,
    `total_count` INTEGER NOT NULL DEFAULT 0,
    `sent_count` INTEGER NOT NULL DEFAULT 0,
    `delivered_count` INTEGER NOT NULL DEFAULT 0,
    `read_count` INTEGER NOT NULL DEFAULT 0,
    `failed_count` INTEGER NOT NULL DEFAULT 0,
    `skipped_count` INTEGER NOT NULL DEFAULT 0,
    `started_at` DATETIME(3) NULL,
    `completed_at` DATETIME(3) NULL,
    `created_by_id` INTEGER NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `campaigns_status_scheduled_at_idx`(`status`, `scheduled_at`),
    INDEX `campaigns_session_id_status_idx`(`session_id`, `status`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `campaign_lists` (
    `campaign_id` INTEGER NOT NULL,
    `list_id` INTEGER NOT NULL,

    INDEX `campaign_lists_list_id_idx`(`list_id`),
    PRIMARY KEY (`campaign_id`, `list_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `campaign_recipients` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `campaign_id` INTEGER NOT NULL,
    `phone` VARCHAR(20) NOT NULL,
    `name` VARCHAR(120) NULL,
    `variables` JSON NULL,
    `status` ENUM('pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'review') NOT NULL DEFAULT 'pending',
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `next_attempt_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `wa_message_id` VARCHAR(128) NULL,
    `error` VARCHAR(512) NULL,
    `sent_at` DATETIME(3) NULL,
    `delivered_at` DATETIME(3) NULL,
    `read_at` DATETIME(3) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `campaign_recipients_campaign_id_status_next_attempt_at_idx`(`campaign_id`, `status`, `next_attempt_at`),
    INDEX `campaign_recipients_wa_message_id_idx`(`wa_message_id`),
    UNIQUE INDEX `campaign_recipients_campaign_id_phone_key`(`campaign_id`, `phone`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `activity_logs` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `actor_id` INTEGER NULL,
    `actor_label` VARCHAR(254) NOT NULL,
    `action` VARCHAR(64) NOT NULL,
    `target_type` VARCHAR(32) NULL,
    `target_id` VARCHAR(128) NULL,
    `metadata` JSON NULL,
    `ip` VARCHAR(64) NULL,
    `user_agent` VARCHAR(512) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `activity_logs_created_at_idx`(`created_at`),
    INDEX `activity_logs_actor_id_created_at_idx`(`actor_id`, `created_at`),
    INDEX `activity_logs_action_created_at_idx`(`action`, `created_at`),
    INDEX `activity_logs_target_type_target_id_idx`(`target_type`, `target_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `refresh_tokens` ADD CONSTRAINT `refresh_tokens_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `session_auth_keys` ADD CONSTRAINT `session_auth_keys_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `session_tokens` ADD CONSTRAINT `session_tokens_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `messages` ADD CONSTRAINT `messages_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `recipients` ADD CONSTRAINT `recipients_list_id_fkey` FOREIGN KEY (`list_id`) REFERENCES `recipient_lists`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `campaigns` ADD CONSTRAINT `campaigns_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `whatsapp_sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `campaigns` ADD CONSTRAINT `campaigns_created_by_id_fkey` FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `campaign_lists` ADD CONSTRAINT `campaign_lists_campaign_id_fkey` FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `campaign_lists` ADD CONSTRAINT `campaign_lists_list_id_fkey` FOREIGN KEY (`list_id`) REFERENCES `recipient_lists`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `campaign_recipients` ADD CONSTRAINT `campaign_recipients_campaign_id_fkey` FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `activity_logs` ADD CONSTRAINT `activity_logs_actor_id_fkey` FOREIGN KEY (`actor_id`) REFERENCES `users`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
