import { Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { CsvUploadInterceptor } from './csv-upload.interceptor';
import { RecipientImporter } from './recipient-import.service';
import { RecipientListsController } from './recipient-lists.controller';
import { RecipientListsService } from './recipient-lists.service';
import { RecipientsController } from './recipients.controller';
import { RecipientsService } from './recipients.service';

/** Recipient lists and their recipients, with streamed CSV import and export. */
@Module({
  imports: [ActivityModule],
  controllers: [RecipientListsController, RecipientsController],
  providers: [RecipientListsService, RecipientsService, RecipientImporter, CsvUploadInterceptor],
  exports: [RecipientListsService, RecipientsService],
})
export class RecipientsModule {}
