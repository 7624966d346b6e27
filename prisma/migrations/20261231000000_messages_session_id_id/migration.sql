-- Message listing (issue 22): a session's pages newest first walk this index in id order and read
-- only their rows, instead of walking the primary key past every other session's messages.

-- CreateIndex
CREATE INDEX `messages_session_id_id_idx` ON `messages`(`session_id`, `id`);
