import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/decorators';
import { ResponseMessage } from '../../common/response.decorators';
import { SandboxProfileDto } from './dto/sandbox-profiles.dto';
import { SandboxProfilesService } from './sandbox-profiles.service';

/** Profiles and block lists of simulated users (sandbox mode only, admins only). */
@ApiTags('sandbox')
@Controller('api/v1/sandbox/contacts/:phone')
@Roles('admin')
export class SandboxProfilesController {
  constructor(private readonly profiles: SandboxProfilesService) {}

  @Get('profile')
  @ResponseMessage('Profile of the simulated contact')
  @ApiOperation({ summary: 'The profile picture URL and about text a simulated contact shows' })
  profile(@Param('phone') phone: string) {
    return this.profiles.profile(phone);
  }

  @Put('profile')
  @ResponseMessage('Profile of the simulated contact set')
  @ApiOperation({
    summary: 'Set what a simulated contact shows: picture URL and about text (null removes, absent keeps)',
  })
  setProfile(@Param('phone') phone: string, @Body() dto: SandboxProfileDto) {
    return this.profiles.setProfile(phone, { pictureUrl: dto.pictureUrl, about: dto.about });
  }

  @Get('blocklist')
  @ResponseMessage('Block list of the simulated account')
  @ApiOperation({ summary: 'The numbers a simulated account blocked through its linked devices' })
  blocklist(@Param('phone') phone: string) {
    return this.profiles.blocklist(phone);
  }
}
