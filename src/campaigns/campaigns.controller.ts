import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Patch,
  Post,
  Query,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestActor, type Actor } from '../auth/actor';
import { ANY_ROLE, OPERATOR_ROLES, Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { CampaignPreviewer } from './campaign-preview';
import { CampaignsService } from './campaigns.service';
import { CampaignMediaDto, CampaignQueryDto } from './dto/campaign-actions.dto';
import { CheckCampaignTemplateDto } from './dto/campaign-check.dto';
import { CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto';

@ApiTags('campaigns')
@Controller('api/v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly previewer: CampaignPreviewer,
  ) {}

  @Get()
  @Roles(...ANY_ROLE)
  @ResponseMessage('Campaigns retrieved successfully')
  @ApiOperation({ summary: 'Campaigns, newest first, optionally by status or session' })
  list(@Query() query: CampaignQueryDto) {
    return this.campaigns.list(query);
  }

  @Post()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign created successfully')
  @ApiOperation({ summary: 'Create a draft campaign: session, {{variable}} template, lists and throttle' })
  create(@Body() dto: CreateCampaignDto, @RequestActor() actor: Actor) {
    return this.campaigns.create(dto, actor);
  }

  @Post('check-template')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Template checked against the lists')
  @ApiOperation({
    summary:
      'Before a campaign exists: how many recipients of the lists lack each template variable, and the first of them',
  })
  check(@Body() dto: CheckCampaignTemplateDto) {
    return this.previewer.check(dto.template, dto.listIds);
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Campaign retrieved successfully')
  @ApiOperation({ summary: 'One campaign with its counters' })
  get(@Param('id', ParseIntPipe) id: number) {
    return this.campaigns.get(id);
  }

  @Patch(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign updated successfully')
  @ApiOperation({ summary: 'Edit a campaign (once started, only its name and throttle)' })
  update(
    @Param('id', ParseIntPipe) id: number,
    @Body() dto: UpdateCampaignDto,
    @RequestActor() actor: Actor,
  ) {
    return this.campaigns.update(id, dto, actor);
  }

  @Delete(':id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign deleted successfully')
  @ApiOperation({ summary: 'Delete a campaign that is not running, with its recipients and media' })
  async remove(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor) {
    await this.campaigns.remove(id, actor);
    return null;
  }

  @Post(':id/media')
  @Roles(...OPERATOR_ROLES)
  @UseInterceptors(FileInterceptor('file'))
  @ResponseMessage('Campaign media stored')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        file: { type: 'string', format: 'binary' },
        type: { type: 'string', enum: ['image', 'video', 'audio', 'document'] },
        fileName: { type: 'string' },
      },
      required: ['file'],
    },
  })
  @ApiOperation({
    summary:
      'Attach an image, video, audio or document (kept under MEDIA_PATH/campaigns); the text becomes its caption',
  })
  setMedia(
    @Param('id', ParseIntPipe) id: number,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() dto: CampaignMediaDto,
    @RequestActor() actor: Actor,
  ) {
    return this.campaigns.setMedia(id, file, dto, actor);
  }

  @Delete(':id/media')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign media removed')
  @ApiOperation({ summary: 'Remove the media (the campaign sends text only)' })
  removeMedia(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor) {
    return this.campaigns.removeMedia(id, actor);
  }

  @Get(':id/preview')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Campaign preview')
  @ApiOperation({
    summary:
      'Before the start: recipients, rendered samples, and which recipients lack which template variables',
  })
  preview(@Param('id', ParseIntPipe) id: number) {
    return this.previewer.preview(id);
  }
}
