-- A recipient may be a group (issue 18): its `phone` column then holds the group's JID
-- (`120363…@g.us`, or `<digits>-<digits>@g.us` for old groups, up to 40 characters) and the
-- campaign sends to the group. Phones stay in E.164.

-- AlterTable
ALTER TABLE `recipients` MODIFY `phone` VARCHAR(40) NOT NULL;

-- AlterTable
ALTER TABLE `campaign_recipients` MODIFY `phone` VARCHAR(40) NOT NULL;
