/** Every successful JSON response: the seed's envelope. */
export interface ApiEnvelope<T> {
  success: true;
  message: string;
  data: T;
}

/** Every error response. `details` lists field errors for validation failures. */
export interface ApiErrorBody {
  success: false;
  message: string;
  code: string;
  timestamp: string;
  requestId?: string;
  details?: FieldError[];
}

export interface FieldError {
  field: string;
  errors: string[];
}
