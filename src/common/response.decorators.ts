import { SetMetadata } from '@nestjs/common';

export const RESPONSE_MESSAGE = 'response:message';
export const RAW_RESPONSE = 'response:raw';

/** The `message` of the envelope for this route, e.g. 'Sessions retrieved successfully'. */
export const ResponseMessage = (message: string) => SetMetadata(RESPONSE_MESSAGE, message);

/** The route writes its own body (a file, CSV, HTML); it is not wrapped in the envelope. */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);
