-- Voice notes (issue 19): an audio message sent as a voice note (push to talk) keeps type 'audio'
-- and is told apart by this flag.

-- AlterTable
ALTER TABLE `messages` ADD COLUMN `ptt` BOOLEAN NOT NULL DEFAULT false;
