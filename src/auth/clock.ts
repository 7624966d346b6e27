import { Injectable } from '@nestjs/common';

/** The time, as one injectable, so lockout windows and token expiry can be tested without waiting. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
