import { Module } from '@nestjs/common';
import { EgressPolicies } from './egress-policies';

/** The one guard of the requests the gateway makes on someone's behalf (SSRF): policies, URL checks, agents. */
@Module({ providers: [EgressPolicies], exports: [EgressPolicies] })
export class EgressModule {}
