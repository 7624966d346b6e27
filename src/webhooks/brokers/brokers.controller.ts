import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestActor, type Actor } from '../../auth/actor';
import { OPERATOR_ROLES, Roles } from '../../auth/decorators';
import { ResponseMessage } from '../../common/response.decorators';
import { BrokerTestDto, UpdateBrokerOutputsDto } from '../dto/broker-config.dto';
import { BrokerConfigService } from './broker-config.service';

/**
 * Broker outputs (RabbitMQ, NATS JetStream). Reading is for operators (URLs masked); changing and
 * testing is for admins only: broker hosts are not checked by the webhook egress guard (they are
 * usually internal), so only the people who run the gateway may point it at one.
 */
@ApiTags('webhooks')
@Controller('api/v1/webhooks/brokers')
export class BrokersController {
  constructor(private readonly config: BrokerConfigService) {}

  @Get()
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Broker outputs retrieved successfully')
  @ApiOperation({ summary: 'The global RabbitMQ and NATS outputs (URLs masked)' })
  getGlobal() {
    return this.config.viewGlobal();
  }

  @Put()
  @Roles('admin')
  @ResponseMessage('Broker outputs updated successfully')
  @ApiOperation({ summary: 'Set (or with null remove) the global RabbitMQ and NATS outputs' })
  updateGlobal(@Body() dto: UpdateBrokerOutputsDto, @RequestActor() actor: Actor) {
    return this.config.updateGlobal(dto, actor);
  }

  @Post('test')
  @Roles('admin')
  @HttpCode(200)
  @ResponseMessage('Broker test completed')
  @ApiOperation({ summary: 'Publish a test event to an output and report whether the broker confirmed it' })
  test(@Body() dto: BrokerTestDto) {
    return this.config.test(dto.kind, dto.sessionId ?? null);
  }

  @Get('sessions/:id')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Session broker outputs retrieved successfully')
  @ApiOperation({
    summary: "A session's own outputs (URLs masked); a kind it has none of uses the global one",
  })
  getSession(@Param('id') id: string) {
    return this.config.viewSession(id);
  }

  @Put('sessions/:id')
  @Roles('admin')
  @ResponseMessage('Session broker outputs updated successfully')
  @ApiOperation({ summary: "Set (or with null remove) a session's own RabbitMQ and NATS outputs" })
  updateSession(@Param('id') id: string, @Body() dto: UpdateBrokerOutputsDto, @RequestActor() actor: Actor) {
    return this.config.updateSession(id, dto, actor);
  }
}
